/**
 * docker-compose.yml runs the same HA topology as infra/ha/up.sh: its Patroni and HAProxy
 * files (infra/ha/compose/) are what the shared renderer produces today, and compose wires
 * them up (no Docker needed for this check).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');
const read = (path: string) => readFileSync(resolve(ROOT, path), 'utf8');
const FILES = ['patroni1.yml', 'patroni2.yml', 'patroni3.yml', 'haproxy.cfg', 'gateway-lb.cfg'];

describe('docker-compose HA topology', () => {
  it('uses the files infra/ha/render.sh renders now (run `infra/ha/render.sh compose`)', () => {
    const rendered = execFileSync('bash', ['infra/ha/render.sh', 'compose', '--stdout'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    const byFile = new Map<string, string>();
    for (const part of rendered.split(/^#### /m).slice(1)) {
      const newline = part.indexOf('\n');
      byFile.set(part.slice(0, newline), part.slice(newline + 1));
    }
    expect([...byFile.keys()].sort()).toEqual([...FILES].sort());
    for (const f of FILES) expect(read(`infra/ha/compose/${f}`)).toBe(byFile.get(f));
  });

  it('points every service at HAProxy and mounts the rendered configuration', () => {
    const compose = read('docker-compose.yml');
    expect(compose).toMatch(/DATABASE_URL: postgres:\/\/[^\n]*@haproxy:5000\/ingest/);
    expect(compose).not.toMatch(/@postgres:5432/);
    expect(compose).toContain('./infra/ha/compose/haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg');
    expect(compose).toContain(
      './infra/ha/compose/gateway-lb.cfg:/usr/local/etc/haproxy/haproxy.cfg',
    );
    for (const n of [1, 2, 3]) {
      expect(compose).toContain(`command: ['/etc/patroni/patroni${n}.yml']`);
      expect(read('infra/ha/Dockerfile')).toContain(`infra/ha/compose/patroni${n}.yml`);
    }
  });
});
