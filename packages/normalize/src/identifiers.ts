/**
 * Column identifiers. Every identifier is quoted in SQL anyway; these rules
 * keep names predictable for the people who query the tables afterwards.
 */

/** PostgreSQL 15's reserved key words (`pg_get_keywords()` catcode R and T). */
const RESERVED = new Set(
  (
    'all analyse analyze and any array as asc asymmetric authorization binary both case cast ' +
    'check collate collation column concurrently constraint create cross current_catalog ' +
    'current_date current_role current_schema current_time current_timestamp current_user ' +
    'default deferrable desc distinct do else end except false fetch for foreign freeze from ' +
    'full grant group having ilike in initially inner intersect into is isnull join lateral ' +
    'leading left like limit localtime localtimestamp natural not notnull null offset on only ' +
    'or order outer overlaps placing primary references returning right select session_user ' +
    'similar some symmetric table tablesample then to trailing true union unique user using ' +
    'variadic verbose when where window with'
  ).split(' '),
);

/** System column names: CREATE TABLE fails on them even when quoted. */
const SYSTEM_COLUMNS = new Set(['tableoid', 'xmin', 'cmin', 'xmax', 'cmax', 'ctid', 'oid']);

/** PostgreSQL truncates identifiers longer than this many bytes (NAMEDATALEN - 1). */
export const MAX_IDENTIFIER_BYTES = 63;

const DECLARED_NAME = /^[\p{L}_][\p{L}\p{N}_]*$/u;

export const isReservedWord = (name: string): boolean => RESERVED.has(name.toLowerCase());
export const isSystemColumn = (name: string): boolean => SYSTEM_COLUMNS.has(name.toLowerCase());

/** Why a declared column or table name is unsafe, or null when it is fine. */
export function identifierProblem(name: string): string | null {
  if (!DECLARED_NAME.test(name)) {
    return `${JSON.stringify(name)} must start with a letter or underscore and contain only letters, digits and underscores`;
  }
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes > MAX_IDENTIFIER_BYTES) {
    return `${JSON.stringify(name)} is ${bytes} bytes long; PostgreSQL identifiers hold at most ${MAX_IDENTIFIER_BYTES}`;
  }
  if (isSystemColumn(name)) {
    return `${JSON.stringify(name)} is a PostgreSQL system column name`;
  }
  return null;
}

// Latin letters NFKD does not decompose.
const FOLD: Record<string, string> = {
  ß: 'ss',
  æ: 'ae',
  œ: 'oe',
  ø: 'o',
  đ: 'd',
  ð: 'd',
  ł: 'l',
  þ: 'th',
  ı: 'i',
};

// Leaves room for a "_NN" suffix within 63 bytes (the base is ASCII).
const MAX_BASE = 55;

/**
 * Header cells → unique snake_case ASCII identifiers: accents folded,
 * camelCase split, anything else → `_`, a leading digit prefixed with `c_`,
 * reserved words and system column names suffixed with `_`, duplicates
 * numbered (`id`, `id_2`, …) without ever colliding with a later header.
 */
export function toIdentifiers(header: readonly string[]): string[] {
  const bases = header.map((cell, i) => {
    let base = cell
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
      .toLowerCase()
      .replace(/[ßæœøđðłþı]/g, (ch) => FOLD[ch] ?? '_')
      .replace(/[^a-z0-9]+/g, '_')
      .replace(/^_+|_+$/g, '');
    if (base === '') base = `column_${i + 1}`;
    if (/^[0-9]/.test(base)) base = `c_${base}`;
    base = base.slice(0, MAX_BASE).replace(/_+$/, '');
    if (RESERVED.has(base) || SYSTEM_COLUMNS.has(base)) base = `${base}_`;
    return base;
  });
  // Unique names keep their base; later duplicates get the next number no header already uses.
  const taken = new Set<string>();
  const names = bases.map((base) => {
    if (taken.has(base)) return null;
    taken.add(base);
    return base;
  });
  return names.map((name, i) => {
    if (name !== null) return name;
    const base = (bases[i] ?? '').replace(/_$/, '');
    let n = 2;
    while (taken.has(`${base}_${n}`)) n++;
    taken.add(`${base}_${n}`);
    return `${base}_${n}`;
  });
}

/** Default target table for an upload: the file name without extensions, as an identifier. */
export function tableNameFromFileName(fileName: string | null | undefined): string {
  const stem = (fileName ?? '').replace(/^.*[\\/]/, '').replace(/(\.[A-Za-z0-9]+)+$/, '');
  const [name] = toIdentifiers([stem]);
  return name === undefined || name === 'column_1' ? 'upload' : name;
}
