/** Deterministic CSV fixtures: the rows as values, and the file text. */
export interface CsvFixture {
  header: string[];
  rows: string[][];
  text: string;
}

const quote = (v: string): string => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

export const toCsv = (header: string[], rows: string[][], eol = '\n'): string =>
  [header, ...rows].map((r) => r.map(quote).join(',')).join(eol) + eol;

/** People rows with quoted commas, doubled quotes, embedded newlines, Unicode and empty fields. */
export function peopleFixture(count: number, seed = 1): CsvFixture {
  let s = seed;
  const rand = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
  const names = ['Ada', 'Grace', 'Émile', 'Zoë', 'José', 'Ólafur', '李', "O'Brien", 'Smith, Jr.'];
  const header = ['id', 'name', 'email', 'city', 'notes'];
  const rows: string[][] = [];
  for (let i = 1; i <= count; i++) {
    const name = names[Math.floor(rand() * names.length)] ?? 'x';
    const r = rand();
    const notes =
      r < 0.05
        ? `line one\nline "two", with comma`
        : r < 0.1
          ? ''
          : r < 0.15
            ? 'say "hi"'
            : `note ${i}`;
    rows.push([String(i), name, `user${i}@example.com`, rand() < 0.1 ? '' : 'Berlin', notes]);
  }
  return { header, rows, text: toCsv(header, rows) };
}
