import * as outcome from './cell-outcome';
import type { TypeRead } from './cell-outcome';

// Imported bindings compile to getter calls (tsx, swc); the per-cell path reads local copies.
const CELL_SAME = outcome.CELL_SAME;
const CELL_OUT = outcome.CELL_OUT;
const CELL_SLOW = outcome.CELL_SLOW;

const DOT = 0x2e;
const MINUS = 0x2d;
const ZERO = 0x30;
// emailCoercer's ASCII rule on bytes: 1 = atext, 2 = also a host-name character.
const EMAIL_CLASS = new Uint8Array(256);
for (const c of "!#$%&'*+/=?^_`{|}~") EMAIL_CLASS[c.charCodeAt(0)] = 1;
for (const c of 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-')
  EMAIL_CLASS[c.charCodeAt(0)] = 2;
const AT = 0x40;

/**
 * emailCoercer's fast path on bytes: an all-ASCII address with one @, a dot-atom local part
 * and a host name of two or more labels (the top one not all digits). A lowercase domain is
 * the value as written; upper case in it is lowercased into `cell.out`. Anything else
 * (non-ASCII, or invalid: the string path words the rejection) is CELL_SLOW.
 */
export function emailRead(): TypeRead {
  const out = Buffer.alloc(254);
  return (buf, start, end, cell) => {
    const n = end - start;
    if (n > 254) return CELL_SLOW;
    let at = start;
    while (at < end && buf[at] !== AT) at++;
    if (at === start || at >= end || at - start > 64) return CELL_SLOW;
    let prevDot = true; // the local part must not start with a dot
    for (let i = start; i < at; i++) {
      const c = buf[i] as number;
      if (c === DOT) {
        if (prevDot) return CELL_SLOW;
        prevDot = true;
      } else if (EMAIL_CLASS[c] !== 0) prevDot = false;
      else return CELL_SLOW;
    }
    if (prevDot) return CELL_SLOW;
    let labels = 0;
    let labelStart = at + 1;
    let upper = false;
    let digitsOnly = true;
    for (let i = at + 1; i <= end; i++) {
      const c = i < end ? (buf[i] as number) : DOT;
      if (c === DOT) {
        const len = i - labelStart;
        if (len === 0 || len > 63) return CELL_SLOW;
        if (buf[labelStart] === MINUS || buf[i - 1] === MINUS) return CELL_SLOW;
        labels++;
        if (i < end) digitsOnly = true;
        labelStart = i + 1;
        continue;
      }
      if (EMAIL_CLASS[c] !== 2) return CELL_SLOW; // a second @ stops here too
      if (c >= 0x41 && c <= 0x5a) upper = true;
      if (c < ZERO || c > 0x39) digitsOnly = false;
    }
    if (labels < 2 || digitsOnly) return CELL_SLOW;
    if (!upper) return CELL_SAME;
    buf.copy(out, 0, start, end);
    for (let i = at + 1 - start; i < n; i++) {
      const c = out[i] as number;
      if (c >= 0x41 && c <= 0x5a) out[i] = c | 0x20;
    }
    cell.out = out;
    cell.outLength = n;
    return CELL_OUT;
  };
}
