/**
 * Turns header cells into safe, unique snake_case column names. The result is
 * still always quoted in SQL; this only makes names predictable for users.
 */
export function toColumnNames(header: readonly string[]): string[] {
  const used = new Map<string, number>();
  return header.map((cell, i) => {
    let base = cell
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '_')
      .replace(/^_+|_+$/g, '');
    if (base === '') base = `column_${i + 1}`;
    if (/^[0-9]/.test(base)) base = `c_${base}`;
    base = base.slice(0, 55);
    const seen = used.get(base) ?? 0;
    used.set(base, seen + 1);
    return seen === 0 ? base : `${base}_${seen + 1}`;
  });
}

/** Default target table for an upload: the file name without extensions, as an identifier. */
export function tableNameFromFileName(fileName: string | null | undefined): string {
  const stem = (fileName ?? '').replace(/^.*[\\/]/, '').replace(/(\.[A-Za-z0-9]+)+$/, '');
  const [name] = toColumnNames([stem]);
  return name === undefined || name === 'column_1' ? 'upload' : name;
}
