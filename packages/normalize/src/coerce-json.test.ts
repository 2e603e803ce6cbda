import { cell } from './test-cell';

describe('json', () => {
  it.each([
    ['{"a":1}', '{"a":1}'],
    ['  {"a": [1, 2, {"b": null}]} ', '{"a": [1, 2, {"b": null}]}'],
    ['[]', '[]'],
    ['"text"', '"text"'],
    ['42', '42'],
    ['true', 'true'],
    ['{"emoji":"\\ud83d\\ude00"}', '{"emoji":"\\ud83d\\ude00"}'],
    ['{"path":"C:\\\\u0000"}', '{"path":"C:\\\\u0000"}'], // an escaped backslash, then text
    ['{"a":1', '!INVALID_JSON'],
    ["{'a':1}", '!INVALID_JSON'],
    ['{"a":1,}', '!INVALID_JSON'],
    ['NaN', '!INVALID_JSON'],
    ['{"nul":"\\u0000"}', '!INVALID_JSON'], // jsonb cannot store it
    ['{"half":"\\ud83d"}', '!INVALID_JSON'],
    ['{"low":"\\ude00"}', '!INVALID_JSON'],
    ['', null],
  ])('%j → %j', (raw, expected) => {
    expect(cell({ type: 'json' }, raw)).toBe(expected);
  });
});
