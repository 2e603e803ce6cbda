import { ApiKeyRepository, RequestRateLimiter, UploadLeases } from '@ingest/access';
import { createPool, migrate, type Pool } from '@ingest/postgres';
import { connectRedis, type Redis } from '@ingest/redis';
import { createTestEnvironment, type TestEnvironment } from '@ingest/testing';

/** @ingest/access against the real Postgres and Redis. */
describe('access', () => {
  let t: TestEnvironment;
  let pool: Pool;
  let prefix: string;
  const connections: Redis[] = [];
  const redis = () => {
    const connection = connectRedis(t.env.REDIS_URL ?? '', { maxRetriesPerRequest: 1 });
    connections.push(connection);
    return connection;
  };

  beforeAll(async () => {
    t = await createTestEnvironment();
    prefix = `${t.env.QUEUE_PREFIX}ingest:`;
    pool = createPool({ connectionString: t.databaseUrl, applicationName: 'access-test', max: 2 });
    await migrate(pool);
  });

  afterAll(async () => {
    for (const c of connections) c.disconnect();
    await pool?.end();
    await t?.cleanup();
  });

  describe('ApiKeyRepository', () => {
    it('verifies a key it created, stores only its hash, and forgets it once revoked', async () => {
      const keys = new ApiKeyRepository(pool);
      const { key, info } = await keys.create('acme', {
        label: 'ci',
        limits: { maxUploadBytes: 1000 },
      });
      expect(key).toMatch(/^ingk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
      expect(await keys.verify(key)).toEqual(info);
      expect(info).toMatchObject({
        tenant: 'acme',
        label: 'ci',
        revokedAt: null,
        limits: { maxRequestsPerMinute: null, maxConcurrentUploads: null, maxUploadBytes: 1000 },
      });
      const { rows } = await pool.query<{ secret_sha256: Buffer }>(
        'SELECT secret_sha256 FROM ingest.api_keys WHERE id = $1',
        [info.id],
      );
      expect(rows[0]?.secret_sha256).toHaveLength(32);

      expect(await keys.verify(`${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`)).toBeNull();
      expect(await keys.verify('ingk_000000000000_' + 'A'.repeat(43))).toBeNull();
      expect((await keys.list('acme')).map((k) => k.id)).toEqual([info.id]);
      expect(await keys.revoke(info.id)).toBe(true);
      expect(await keys.revoke(info.id)).toBe(false);
      expect(await keys.verify(key)).toBeNull();
      expect((await keys.list('acme'))[0]?.revokedAt).toBeInstanceOf(Date);
    });
  });

  describe('RequestRateLimiter', () => {
    it('counts per key and minute across instances, and says how long to wait', async () => {
      const a = new RequestRateLimiter(redis(), prefix);
      const b = new RequestRateLimiter(redis(), prefix);
      const minute = Math.floor(Date.now() / 60_000) + 100; // a window no other run uses
      const now = minute * 60_000 + 15_000;
      expect(await a.hit('k1', 2, now)).toBe(0);
      expect(await b.hit('k1', 2, now)).toBe(0);
      expect(await a.hit('k1', 2, now)).toBe(45);
      expect(await b.hit('k2', 2, now)).toBe(0);
      expect(await a.hit('k1', 2, now + 60_000)).toBe(0);
    });
  });

  describe('UploadLeases', () => {
    it('holds at most the limit per key, and a released slot is free again', async () => {
      const leases = new UploadLeases(redis(), prefix);
      const first = await leases.acquire('k1', 2);
      const second = await leases.acquire('k1', 2);
      expect(first).not.toBeNull();
      expect(second).not.toBeNull();
      expect(await leases.acquire('k1', 2)).toBeNull();
      const other = await leases.acquire('k2', 2);
      expect(other).not.toBeNull();
      await first?.release();
      const third = await leases.acquire('k1', 2);
      expect(third).not.toBeNull();
      for (const lease of [second, other, third]) await lease?.release();
    });

    it('frees the slots of a gateway that stopped renewing them once their lease ran out', async () => {
      const crashing = redis();
      const held = await new UploadLeases(crashing, prefix, 300).acquire('k3', 1);
      expect(held).not.toBeNull();
      const survivor = new UploadLeases(redis(), prefix, 300);
      expect(await survivor.acquire('k3', 1)).toBeNull();
      crashing.disconnect(); // renewals and the release now fail: as if the process died
      await new Promise((r) => setTimeout(r, 500));
      const taken = await survivor.acquire('k3', 1);
      expect(taken).not.toBeNull();
      await held?.release(); // only stops its timer
      await taken?.release();
    });

    it('keeps a lease alive past its duration while it is renewed', async () => {
      const leases = new UploadLeases(redis(), prefix, 300);
      const held = await leases.acquire('k4', 1);
      // Past the lease, within the set's own expiry (twice the lease after the last acquire).
      await new Promise((r) => setTimeout(r, 450));
      expect(await leases.acquire('k4', 1)).toBeNull();
      // Well past the expiry the first acquire set: renewals keep the set itself alive too.
      await new Promise((r) => setTimeout(r, 900));
      expect(await leases.acquire('k4', 1)).toBeNull();
      await held?.release();
    });
  });
});
