import { randomBytes } from 'node:crypto';
import { SecretBox } from './secret-box';

describe('SecretBox', () => {
  const box = new SecretBox(randomBytes(32));

  it('opens what it sealed, for the same context', () => {
    const sealed = box.seal('whsec_abc', 'row-1');
    expect(sealed).toMatch(/^v1\.[A-Za-z0-9_-]{8}\./);
    expect(sealed).not.toContain('abc');
    expect(box.open(sealed, 'row-1')).toBe('whsec_abc');
  });

  it('seals the same secret differently each time (random IV)', () => {
    expect(box.seal('s', 'c')).not.toBe(box.seal('s', 'c'));
  });

  it('refuses another context, another key and any alteration', () => {
    const sealed = box.seal('whsec_abc', 'row-1');
    expect(() => box.open(sealed, 'row-2')).toThrow();
    expect(() => new SecretBox(randomBytes(32)).open(sealed, 'row-1')).toThrow(/key/);
    const parts = sealed.split('.');
    const data = Buffer.from(parts[4] ?? '', 'base64url');
    data[0] = (data[0] ?? 0) ^ 1;
    parts[4] = data.toString('base64url');
    expect(() => box.open(parts.join('.'), 'row-1')).toThrow();
    expect(() => box.open('plain', 'row-1')).toThrow(/not a sealed secret/);
  });

  it('needs a 32-byte key', () => {
    expect(() => new SecretBox(randomBytes(16))).toThrow();
    expect(() => SecretBox.fromBase64(randomBytes(32).toString('base64'))).not.toThrow();
  });
});
