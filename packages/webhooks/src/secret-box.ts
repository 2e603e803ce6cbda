import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const VERSION = 'v1';

/**
 * Encryption at rest for secrets the system must read back (webhook signing
 * keys): AES-256-GCM with a random 96-bit IV. `context` is bound as additional
 * data, so a sealed value copied onto another row does not open. The sealed
 * text names its key (a fingerprint), so a key rotation can tell old from new.
 */
export class SecretBox {
  private readonly keyId: string;

  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('SecretBox needs a 32-byte key');
    this.keyId = createHash('sha256')
      .update('ingest.secret-box:')
      .update(key)
      .digest('base64url')
      .slice(0, 8);
  }

  /** From the base64 configuration value (WEBHOOK_ENCRYPTION_KEY). */
  static fromBase64(key: string): SecretBox {
    return new SecretBox(Buffer.from(key, 'base64'));
  }

  seal(plaintext: string, context: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const parts = [iv, cipher.getAuthTag(), data].map((b) => b.toString('base64url'));
    return [VERSION, this.keyId, ...parts].join('.');
  }

  /** Throws if the value was sealed with another key, for another context, or altered. */
  open(sealed: string, context: string): string {
    const [version, keyId, iv, tag, data, ...rest] = sealed.split('.');
    if (version !== VERSION || !iv || !tag || data === undefined || rest.length > 0) {
      throw new Error('not a sealed secret');
    }
    if (keyId !== this.keyId) {
      throw new Error(`secret sealed with key ${keyId}, but the configured key is ${this.keyId}`);
    }
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([
      decipher.update(Buffer.from(data, 'base64url')),
      decipher.final(),
    ]).toString('utf8');
  }
}
