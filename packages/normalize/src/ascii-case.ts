/** The byte at `i`, ASCII letters lowercased (what toLowerCase does to them). */
export const lowerAsciiAt = (buf: Buffer, i: number): number => {
  const c = buf[i] as number;
  return c >= 0x41 && c <= 0x5a ? c | 0x20 : c;
};
