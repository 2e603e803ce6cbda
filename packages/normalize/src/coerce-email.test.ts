import { cell } from './test-cell';

describe('email', () => {
  it.each([
    ['bob@example.com', 'bob@example.com'],
    ['Bob@Example.COM', 'Bob@example.com'],
    ['  bob@example.com\u00a0', 'bob@example.com'],
    ['first.last+tag@sub.example.co.uk', 'first.last+tag@sub.example.co.uk'],
    ["o'brien@example.ie", "o'brien@example.ie"],
    ['josé.1@example.com', 'josé.1@example.com'],
    ['user@bücher.DE', 'user@bücher.de'],
    ['用户@例子.广告', '用户@例子.广告'],
    ['Ünïcødé@Example.com', 'Ünïcødé@example.com'],
    ['a\u00a0b@example.com', '!INVALID_EMAIL'],
    ['a\u0085b@example.com', '!INVALID_EMAIL'],
    ['a\u2003b@example.com', '!INVALID_EMAIL'],
    ['a@b-c.io', 'a@b-c.io'],
    ['plainaddress', '!INVALID_EMAIL'],
    ['@example.com', '!INVALID_EMAIL'],
    ['bob@', '!INVALID_EMAIL'],
    ['bob@@example.com', '!INVALID_EMAIL'],
    ['a@b@example.com', '!INVALID_EMAIL'],
    ['bob@localhost', '!INVALID_EMAIL'],
    ['bob@example', '!INVALID_EMAIL'],
    ['bob@-example.com', '!INVALID_EMAIL'],
    ['bob@example..com', '!INVALID_EMAIL'],
    ['.bob@example.com', '!INVALID_EMAIL'],
    ['bob.@example.com', '!INVALID_EMAIL'],
    ['bo..b@example.com', '!INVALID_EMAIL'],
    ['bob smith@example.com', '!INVALID_EMAIL'],
    ['bob@127.0.0.1', '!INVALID_EMAIL'],
    ['bob@[127.0.0.1]', '!INVALID_EMAIL'],
    [`${'a'.repeat(65)}@example.com`, '!INVALID_EMAIL'],
    [`${'a'.repeat(64)}@example.com`, `${'a'.repeat(64)}@example.com`],
    [`bob@${'a'.repeat(64)}.com`, '!INVALID_EMAIL'],
    ['', null],
  ])('%j → %j', (raw, expected) => {
    expect(cell({ type: 'email' }, raw)).toBe(expected);
  });
});
