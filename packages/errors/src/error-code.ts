/**
 * The string `code` a thrown value carries (a SQLSTATE from pg, an errno such
 * as ECONNRESET, an AppError's code), or null when it has none.
 */
export const codeOf = (e: unknown): string | null =>
  typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string' ? e.code : null;
