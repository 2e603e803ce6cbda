import { errors } from './app-error';
import { classifyFailure, permanentCodeOf } from './failure-class';

describe('classifyFailure', () => {
  const pgError = (code: string) => Object.assign(new Error('pg'), { code });
  it.each([
    ['serialization failure', pgError('40001'), 'retryable'],
    ['deadlock', pgError('40P01'), 'retryable'],
    ['lock timeout', pgError('55P03'), 'retryable'],
    ['admin shutdown', pgError('57P01'), 'retryable'],
    ['cannot connect now', pgError('57P03'), 'retryable'],
    ['read-only transaction', pgError('25006'), 'retryable'],
    ['connection reset', pgError('ECONNRESET'), 'retryable'],
    ['undefined column', pgError('42703'), 'permanent'],
    ['permission denied', pgError('42501'), 'permanent'],
    ['terminated connection', new Error('Connection terminated unexpectedly'), 'retryable'],
    [
      'client broken by a connection error',
      new Error('Client has encountered a connection error and is not queryable'),
      'retryable',
    ],
    ['pool connect timeout', new Error('timeout exceeded when trying to connect'), 'retryable'],
    ['broken pipe', pgError('EPIPE'), 'retryable'],
    ['storage down', errors.storageUnavailable(), 'retryable'],
    ['empty file', errors.emptyFile(), 'permanent'],
    ['plain error', new Error('boom'), 'permanent'],
    ['non-error', 'boom', 'permanent'],
  ])('%s is %s', (_name, error, expected) => {
    expect(classifyFailure(error)).toBe(expected);
  });
});

describe('permanentCodeOf', () => {
  const pgError = (code: string) => Object.assign(new Error('pg'), { code });
  it.each([
    ['23514', 'TARGET_CONSTRAINT_VIOLATED'],
    ['23505', 'TARGET_CONSTRAINT_VIOLATED'],
    ['42501', 'TARGET_PERMISSION_DENIED'],
    ['42P01', 'TARGET_TABLE_MISSING'],
    ['42703', 'TARGET_COLUMNS_MISSING'],
    ['22003', 'TARGET_DATA_REJECTED'],
  ])('SQLSTATE %s → %s', (code, expected) => {
    expect(permanentCodeOf(pgError(code))).toBe(expected);
  });

  it('names nothing else', () => {
    expect(permanentCodeOf(pgError('40001'))).toBeNull();
    expect(permanentCodeOf(pgError('ECONNRESET'))).toBeNull();
    expect(permanentCodeOf(new Error('boom'))).toBeNull();
  });
});
