import { EventStreamParser } from './event-stream';

describe('EventStreamParser', () => {
  it.each([
    ['one event', ['event: progress\ndata: {"a":1}\n\n'], [{ event: 'progress', data: '{"a":1}' }]],
    ['split anywhere', ['ev', 'ent: done\nda', 'ta: x\n', '\n'], [{ event: 'done', data: 'x' }]],
    ['CRLF lines', ['event: a\r\ndata: 1\r\n\r\n'], [{ event: 'a', data: '1' }]],
    ['unnamed is message', ['data: 1\n\n'], [{ event: 'message', data: '1' }]],
    ['data lines joined', ['data: 1\ndata: 2\n\n'], [{ event: 'message', data: '1\n2' }]],
    [
      'comments and ids ignored',
      [': ping\nid: 7\nevent: a\ndata:x\n\n'],
      [{ event: 'a', data: 'x' }],
    ],
    ['no data, no event', ['event: a\n\n'], []],
    ['incomplete waits', ['event: a\ndata: 1\n'], []],
  ])('%s', (_name, pieces, expected) => {
    const parser = new EventStreamParser();
    expect(pieces.flatMap((p) => parser.push(p))).toEqual(expected);
  });
});
