import { sniffDialect, type DialectHints, type SniffedDialect } from './dialect-sniffer';

const sniff = (samples: string | string[], forced: DialectHints = {}): SniffedDialect =>
  sniffDialect(
    (Array.isArray(samples) ? samples : [samples]).map((s) => Buffer.from(s)),
    forced,
  );

type Expected = Partial<SniffedDialect>;

describe('sniffDialect', () => {
  it.each<[name: string, samples: string | string[], expected: Expected]>([
    [
      'comma',
      'id,name,amount\n1,Ann,3.5\n2,Bob,4\n',
      { delimiter: ',', quote: '"', header: true, lineEnding: '\n', confidence: 1 },
    ],
    [
      'semicolon with decimal commas',
      'id;price;qty\n1;1,5;2,75\n2;3,25;4\n3;0,5;1\n',
      { delimiter: ';', header: true },
    ],
    [
      'semicolon with decimal commas, no header: typed cells break the tie',
      '1,5;2,75\n3,5;4,25\n',
      { delimiter: ';', header: false },
    ],
    ['tab', 'a\tb\tc\n1\t2\t3\n4\t5\t6\n', { delimiter: '\t', header: true }],
    ['pipe', 'a|b\n1|x, y\n2|z\n', { delimiter: '|', header: true }],
    [
      'quoted fields with the delimiter, quotes and newlines inside',
      'name,comment\n"Smith, J","said ""hi"", left"\n"Doe, K","two\nlines"\n"Li, M",ok\n',
      { delimiter: ',', quote: '"', header: true, confidence: 1 },
    ],
    [
      'single-quote quoting',
      "name,comment\n'Smith, J','a, b'\n'Doe, K','c'\n",
      { delimiter: ',', quote: "'", header: true },
    ],
    [
      'double quotes win when nothing is quoted',
      "name,note\nO'Brien,it's\nAnn,x\n",
      { delimiter: ',', quote: '"' },
    ],
    ['an all-numeric file has no header', '1,2,3\n4,5,6\n7,8,9\n', { header: false }],
    ['an all-text file defaults to a header', 'foo,bar\nbaz,qux\nalpha,beta\n', { header: true }],
    ['dates below names', 'day,open\n2024-01-01,true\n2024-01-02,false\n', { header: true }],
    ['CRLF', 'a,b\r\n1,2\r\n3,4\r\n', { lineEnding: '\r\n' }],
    ['LF', 'a,b\n1,2\n3,4\n', { lineEnding: '\n' }],
    ['CR', 'a,b\r1,2\r3,4\r', { lineEnding: '\r' }],
    ['quoted LFs in a CRLF file', 'a,b\r\n"x\ny",2\r\n"z\nw",3\r\n', { lineEnding: '\r\n' }],
    ['a BOM at the head', '\ufeff"id";"v"\n1;2\n', { delimiter: ';', quote: '"', header: true }],
    ['a blank line and a ragged row', 'a,b,c\n\n1,2,3\n4,5\n6,7,8\n', { delimiter: ',' }],
    [
      'a head with few columns, but the other samples agree (partial lines dropped)',
      [
        'id|name,extra\n',
        'tial,x,y\n3|z\n4|w,v,u\n5|q\npart,i,al',
        'x,y,z\n6|a,b\n7|c\n8|d,e,f,g\n9,p',
      ],
      { delimiter: '|', header: true, confidence: 1 },
    ],
    [
      'a middle sample cut in a CRLF and inside a character',
      ['h1;h2\r\n1;2\r\n', '\n3;4\r\n5;6\r\n7', '\ufffd;8\r\n9;10\r\n'],
      { delimiter: ';', lineEnding: '\r\n', header: true },
    ],
    [
      'one column: no delimiter found, confidence 0',
      'name\nAnn\nBob\n',
      { delimiter: ',', quote: '"', header: true, confidence: 0 },
    ],
    [
      'empty input',
      '',
      { delimiter: ',', quote: '"', header: true, lineEnding: '\n', confidence: 0 },
    ],
    ['a single record', 'a,b,c', { delimiter: ',', header: true, confidence: 0.5 }],
    ['a single numeric record is data', '1,2,3\n', { header: false }],
  ])('%s', (_name, samples, expected) => {
    expect(sniff(samples)).toMatchObject(expected);
  });

  it.each<[name: string, samples: string, forced: DialectHints, expected: Expected]>([
    ['a forced delimiter', 'a;b,c\n1;2,3\n', { delimiter: ';' }, { delimiter: ';' }],
    [
      'a forced delimiter outside the candidates',
      'a:b\n1:2\n',
      { delimiter: ':' },
      { delimiter: ':', confidence: 1 },
    ],
    ['a forced quote', "a,b\n'x,y',z\n", { quote: '"' }, { quote: '"' }],
    ['a forced header=false on a headed file', 'id,v\n1,2\n', { header: false }, { header: false }],
    ['a forced header=true on a numeric file', '1,2\n3,4\n', { header: true }, { header: true }],
    [
      'everything forced',
      'x',
      { delimiter: '\t', quote: "'", header: false },
      { delimiter: '\t', quote: "'", header: false, confidence: 0 },
    ],
  ])('%s', (_name, samples, forced, expected) => {
    expect(sniff(samples, forced)).toMatchObject(expected);
  });
});

describe('the quote character', () => {
  const sniff = (text: string) => sniffDialect([Buffer.from(text)], {});

  it('stays " when no other quote occurs, even where a " never closes', () => {
    expect(sniff('"a,b\n1,2\n')).toMatchObject({ quote: '"' });
    expect(sniff('id,name\n1,a\n2,b\n')).toMatchObject({ quote: '"' });
  });

  it("is ' when the samples quote fields with it", () => {
    expect(sniff("id,name\n1,'a,b'\n2,'c,d'\n3,x\n")).toMatchObject({ quote: "'", delimiter: ',' });
  });
});
