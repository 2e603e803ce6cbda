import { isClientsTurn } from './client-silence';

describe('isClientsTurn', () => {
  it.each([
    ['preparing, body not read yet', { complete: false, readableFlowing: null }, false, false],
    ['reading the body', { complete: false, readableFlowing: true }, false, true],
    ['body held back by storage', { complete: false, readableFlowing: false }, false, false],
    ['body in, storing and recording', { complete: true, readableFlowing: true }, false, false],
    ['a GET being handled', { complete: true, readableFlowing: null }, false, false],
    ['answer on its way', { complete: true, readableFlowing: true }, true, true],
    ['answered before the body was read', { complete: false, readableFlowing: null }, true, true],
  ])('%s → %s', (_name, req, headersSent, expected) => {
    expect(isClientsTurn(req, { headersSent })).toBe(expected);
  });
});
