import { closeSync, openSync, writeSync } from 'node:fs';

export interface CsvFileInfo {
  path: string;
  bytes: number;
  records: number;
}

/**
 * Writes a CSV file of `records` people rows (header id,name,email,city,notes) without holding
 * it in memory: unique ids 1..records, quoted commas, doubled quotes and ~1 % embedded newlines.
 */
export function writePeopleCsvFile(path: string, records: number): CsvFileInfo {
  const names = ['Ada', 'Grace', 'Émile', 'Zoë', 'José', '"Smith, Jr."', '"O""Brien"', '李'];
  const fd = openSync(path, 'w');
  let bytes = 0;
  const write = (s: string) => {
    bytes += writeSync(fd, s);
  };
  try {
    write('id,name,email,city,notes\n');
    let batch = '';
    for (let i = 1; i <= records; i++) {
      const notes =
        i % 97 === 0 ? '"line one\nline ""two"", with comma"' : i % 13 === 0 ? '' : `note ${i}`;
      batch += `${i},${names[i % names.length]},user${i}@example.com,Berlin,${notes}\n`;
      if (batch.length > 1 << 18) {
        write(batch);
        batch = '';
      }
    }
    write(batch);
  } finally {
    closeSync(fd);
  }
  return { path, bytes, records };
}
