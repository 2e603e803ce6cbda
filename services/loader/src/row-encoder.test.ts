import fc from 'fast-check';
import { CsvRecordReader } from '@ingest/csv';
import { CopyBinaryWriter, CopyTextWriter, binaryColumnKind } from '@ingest/pg-copy';
import { compileColumns, sqlType, type TableSchema } from '@ingest/normalize';
import {
  compileRowEncoder,
  encodeRowByLoop,
  type Reason,
  type RowEncoderParts,
} from './row-encoder';

/** Every kind of column the plan distinguishes: byte paths, string-only types, absent ones. */
const SCHEMA: TableSchema = {
  columns: [
    { name: 'id', type: 'integer', required: true },
    { name: 'name', type: 'text' },
    { name: 'amount', type: 'numeric', precision: 8, scale: 2 },
    { name: 'signup', type: 'date', format: 'MM/DD/YYYY' },
    { name: 'active', type: 'boolean', default: false },
    { name: 'email', type: 'email' },
    { name: 'shouted', type: 'text', transforms: [{ type: 'upper' }] },
    { name: 'absent_default', type: 'integer', default: 7 },
    { name: 'absent_null', type: 'text' },
  ],
};
const HEADER = ['id', 'name', 'amount', 'signup', 'active', 'email', 'shouted'];

/** Field texts as written in the file: valid, invalid, empty, quoted, with doubled quotes. */
const FIELD = fc.constantFrom(
  '1',
  '-42',
  'x1',
  '',
  ' 7 ',
  'NULL',
  'Anna',
  '"Smith, Anna"',
  '"say ""hi"""',
  '"ab"c',
  'tab\there',
  'back\\slash',
  '12.50',
  '1e3',
  '123456789.12',
  '03/27/2024',
  '02/30/2024',
  '2024-03-27',
  'yes',
  'No',
  'maybe',
  'a@example.com',
  'not-an-email',
  'Müller',
);

const csvOf = fc
  .array(fc.array(FIELD, { minLength: HEADER.length, maxLength: HEADER.length }), {
    minLength: 1,
    maxLength: 30,
  })
  .map((rows) => rows.map((r) => `${r.join(',')}\n`).join(''));

type Encode = (
  parts: RowEncoderParts,
) => (r: Parameters<typeof encodeRowByLoop>[1]) => Reason | null;

const compiled: Encode = (parts) => compileRowEncoder(parts);
const loop: Encode = (parts) => (r) => encodeRowByLoop(parts, r);

/** The COPY bytes and the reasons of the rejected records. */
function encodeAll(csv: string, binary: boolean, encode: Encode) {
  const normalizer = compileColumns(SCHEMA, HEADER);
  const writer = binary
    ? new CopyBinaryWriter(
        SCHEMA.columns.map((c) => binaryColumnKind(sqlType(c)) ?? 0),
        false,
      )
    : new CopyTextWriter();
  const reader = new CsvRecordReader({ delimiter: 0x2c, quote: 0x22, skipBom: false });
  const encodeRow = encode({ normalizer, writer, reader });
  const reasons: (Reason | null)[] = [];
  const onRecord = (r: Parameters<typeof encodeRow>[0]) => {
    const reason = encodeRow(r);
    reasons.push(reason);
    if (reason === null) writer.endRow();
    else writer.discardRow();
  };
  reader.push(Buffer.from(csv), onRecord);
  reader.finish(onRecord);
  return { bytes: writer.takeRest()?.toString('hex') ?? '', reasons };
}

describe('compileRowEncoder', () => {
  it.each([false, true])('writes what the loop over the columns writes (binary: %s)', (binary) => {
    fc.assert(
      fc.property(csvOf, (csv) => {
        expect(encodeAll(csv, binary, compiled)).toEqual(encodeAll(csv, binary, loop));
      }),
      { numRuns: 300 },
    );
  });

  it('loads good rows, fills absent columns and names the first failing column', () => {
    const csv = '1,"Smith, Anna",12.50,03/27/2024,yes,a@example.com,x\n2,b,1,02/30/2024,no,,\n';
    const { bytes, reasons } = encodeAll(csv, false, compiled);
    expect(Buffer.from(bytes, 'hex').toString()).toBe(
      '1\tSmith, Anna\t12.50\t2024-03-27\tt\ta@example.com\tX\t7\t\\N\n',
    );
    expect(reasons[0]).toBeNull();
    expect(reasons[1]).toMatchObject({ code: 'INVALID_DATE', column: 'signup' });
  });

  it('writes only integers and booleans into its source', () => {
    // A column name that is code must stay data.
    const schema: TableSchema = { columns: [{ name: "x'); throw 1; ('", type: 'text' }] };
    const normalizer = compileColumns(schema, ["x'); throw 1; ('"]);
    const writer = new CopyTextWriter();
    const reader = new CsvRecordReader({ delimiter: 0x2c, quote: 0x22, skipBom: false });
    const encodeRow = compileRowEncoder({ normalizer, writer, reader });
    reader.push(Buffer.from('v\n'), (r) => expect(encodeRow(r)).toBeNull());
  });
});
