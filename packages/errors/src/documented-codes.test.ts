/**
 * Every error code a user can see is in README's "Error codes" table, and every row there is
 * a code the system can produce: the table stays true as codes come and go.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../../..');

/** UPPER_SNAKE strings in source that are not error codes, and whose they are. */
const NOT_CODES: { test(name: string): boolean; why: string }[] = [
  { test: (n) => /^LIMIT_/.test(n) || n === 'MISSING_FIELD_NAME', why: "multer's error codes" },
  { test: (n) => n === 'WHEN_REQUIRED', why: "the AWS SDK's checksum setting" },
  { test: (n) => n === 'EAI_AGAIN', why: 'an errno (DNS)' },
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      return name === 'node_modules' || name === 'test-support' ? [] : sourceFiles(path);
    }
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [path] : [];
  });
}

/** The code strings the system's own code uses, with a file each is found in. */
function codesInSource(settings: Set<string>): Map<string, string> {
  const found = new Map<string, string>();
  const add = (code: string, file: string) => {
    if (settings.has(code) || NOT_CODES.some((n) => n.test(code))) return;
    if (!found.has(code)) found.set(code, relative(ROOT, file));
  };
  const dirs = ['packages', 'services'].flatMap((top) =>
    readdirSync(join(ROOT, top))
      // The CLI is a client: it shows the API's codes and makes none (its variables are its own).
      .filter((name) => !(top === 'packages' && (name === 'testing' || name === 'cli')))
      .map((name) => join(ROOT, top, name, 'src')),
  );
  for (const file of dirs.flatMap((d) =>
    statSync(d, { throwIfNoEntry: false }) ? sourceFiles(d) : [],
  )) {
    const text = readFileSync(file, 'utf8');
    // Quoted UPPER_SNAKE literals: AppError codes, job failure codes, reject codes, SQL literals.
    for (const m of text.matchAll(/['"`]([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)['"`]/g))
      add(m[1] as string, file);
    // The ErrorCode union, where one-word codes (INTERNAL, UNAUTHENTICATED) are declared.
    for (const m of text.matchAll(/^\s*\|\s*'([A-Z][A-Z0-9_]*)'$/gm)) add(m[1] as string, file);
  }
  // What HAProxy in front of the gateways answers itself (infra/ha/render-config.sh renders it).
  const lb = join(ROOT, 'infra/ha/render-config.sh');
  for (const m of readFileSync(lb, 'utf8').matchAll(/"code":"([A-Z][A-Z0-9_]*)"/g))
    add(m[1] as string, lb);
  return found;
}

/** The setting names .env.example shows: they are settings, not codes. */
function settingNames(): Set<string> {
  const text = readFileSync(join(ROOT, '.env.example'), 'utf8');
  return new Set([...text.matchAll(/^#?\s*([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1] as string));
}

/** The first column of README's "### Error codes" table. */
function documentedCodes(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('\n### Error codes\n');
  expect(start).toBeGreaterThan(0);
  const rest = readme.slice(start + 1);
  const next = rest.slice(1).search(/\n#{1,3} /);
  const section = next < 0 ? rest : rest.slice(0, next + 1);
  return [...section.matchAll(/^\| `([A-Z][A-Z0-9_]*)` +\|/gm)].map((m) => m[1] as string);
}

describe('README error codes', () => {
  const documented = documentedCodes();
  const used = codesInSource(settingNames());

  it('lists every code the system uses (add a row: code, where, meaning, what to do)', () => {
    const missing = [...used].filter(([code]) => !documented.includes(code));
    expect(missing.map(([code, file]) => `${code} (${file})`)).toEqual([]);
  });

  it('lists each code once, and only codes the system uses', () => {
    expect(documented.filter((c, i) => documented.indexOf(c) !== i)).toEqual([]);
    expect(documented.filter((c) => !used.has(c))).toEqual([]);
  });

  it('finds the codes it checks', () => {
    // A broken scan would pass the checks above vacuously.
    for (const code of [
      'UNAUTHENTICATED',
      'PLANNING_FAILED',
      'TARGET_DATA_REJECTED',
      'INVALID_JSON',
      'NUL_BYTE',
      'GATEWAY_UNAVAILABLE',
    ]) {
      expect(used.has(code)).toBe(true);
    }
    expect(documented.length).toBeGreaterThan(50);
  });
});
