import { AppError } from './app-error';
import { codeOf } from './error-code';

describe('codeOf', () => {
  it.each([
    ['a pg error', Object.assign(new Error('deadlock'), { code: '40P01' }), '40P01'],
    ['a socket error', Object.assign(new Error('reset'), { code: 'ECONNRESET' }), 'ECONNRESET'],
    ['an AppError', new AppError('EMPTY_FILE', 'empty', 400), 'EMPTY_FILE'],
    ['a plain object with a code', { code: 'X' }, 'X'],
    ['a numeric code', { code: 42 }, null],
    ['an error without a code', new Error('x'), null],
    ['a string', 'boom', null],
    ['null', null, null],
    ['undefined', undefined, null],
  ])('%s', (_name, value, expected) => {
    expect(codeOf(value)).toBe(expected);
  });
});
