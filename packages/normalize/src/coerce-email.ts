import { type Coercer, Rejection, quote } from './reject';
import { isUnicodeSpace } from './whitespace';

// Dot-atom local part: RFC 5322 atext plus any non-ASCII character but spaces
// and C1 controls (RFC 6531). No quoted local parts.
const ATEXT = "(?:[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]|[^\\x00-\\x9f\\s])+";
const LOCAL = new RegExp(`^${ATEXT}(?:\\.${ATEXT})*$`, 'u');
// Host names only (no IP literals): labels of letters/digits/hyphens, not starting or ending with '-'.
const LABEL = /^[\p{L}\p{N}](?:[\p{L}\p{N}\p{M}-]{0,61}[\p{L}\p{N}\p{M}])?$/u;

// Character classes for the ASCII fast path: 1 = atext, 2 = also a host-name character.
const CLASS = new Uint8Array(128);
for (const c of "!#$%&'*+/=?^_`{|}~") CLASS[c.charCodeAt(0)] = 1;
for (const c of 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-')
  CLASS[c.charCodeAt(0)] = 2;

/**
 * The common case without a regex: a valid address with an ASCII domain.
 * Returns 1 when
 * valid with a lowercase domain, 2 when valid with upper case in the domain,
 * 0 when the full check must decide (invalid, or not ASCII).
 */
function scanAscii(v: string, at: number): number {
  if (at > 64 || v.length > 254) return 0;
  let prevDot = true; // the local part must not start with a dot
  for (let i = 0; i < at; i++) {
    const c = v.charCodeAt(i);
    if (c === 0x2e) {
      if (prevDot) return 0;
      prevDot = true;
    } else if (c >= 128) {
      if (c <= 0x9f || isUnicodeSpace(c)) return 0;
      prevDot = false;
    } else if (CLASS[c] !== 0) prevDot = false;
    else return 0;
  }
  if (prevDot) return 0;
  const n = v.length;
  if (n - at - 1 > 253) return 0;
  let labels = 0;
  let labelStart = at + 1;
  let upper = false;
  let allDigits = true;
  for (let i = at + 1; i <= n; i++) {
    const c = i < n ? v.charCodeAt(i) : 0x2e;
    if (c === 0x2e) {
      const len = i - labelStart;
      if (len === 0 || len > 63) return 0;
      if (v.charCodeAt(labelStart) === 0x2d || v.charCodeAt(i - 1) === 0x2d) return 0;
      labels++;
      if (i < n) allDigits = true;
      labelStart = i + 1;
      continue;
    }
    if (c >= 128 || CLASS[c] !== 2) return 0;
    if (c >= 0x41 && c <= 0x5a) upper = true;
    if (c < 0x30 || c > 0x39) allDigits = false;
  }
  if (labels < 2 || allDigits) return 0;
  return upper ? 2 : 1;
}

const invalid = (v: string, why: string) =>
  new Rejection('INVALID_EMAIL', `${quote(v)} is not an email address: ${why}`);

function check(v: string, at: number): string | null {
  const local = v.slice(0, at);
  const domain = v.slice(at + 1);
  if (local.length > 64) return 'the part before @ is longer than 64 characters';
  if (!LOCAL.test(local)) return 'the part before @ is malformed';
  const labels = domain.split('.');
  if (domain.length > 253) return 'the domain is longer than 253 characters';
  if (labels.length < 2) return 'the domain has no dot';
  if (!labels.every((l) => LABEL.test(l))) return 'the domain is malformed';
  if (/^\d+$/.test(labels[labels.length - 1] ?? '')) return 'the top-level domain is numeric';
  return null;
}

/**
 * Trimmed, domain lowercased (the local part is case-sensitive by the RFC and
 * kept), validated structurally: one @, dot-atom local part, a host name with
 * a dot. Deliverability is not this layer's business.
 */
export const emailCoercer: Coercer = (raw) => {
  const v = raw.trim();
  const at = v.lastIndexOf('@');
  if (at <= 0 || v.indexOf('@') !== at) return invalid(v, 'it needs exactly one @');
  const fast = scanAscii(v, at);
  if (fast === 1) return v;
  if (fast === 0) {
    if (v.length > 254) return invalid(v, 'it is longer than 254 characters');
    const problem = check(v, at);
    if (problem !== null) return invalid(v, problem);
  }
  const domain = v.slice(at + 1);
  const lower = domain.toLowerCase();
  return lower === domain ? v : `${v.slice(0, at + 1)}${lower}`;
};
