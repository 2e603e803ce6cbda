import { randomBytes } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { chunksAsPushed } from './chunks-as-pushed';

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('chunksAsPushed', () => {
  it('yields each chunk as it was pushed, never joined, though many wait buffered', async () => {
    const body = new PassThrough({ highWaterMark: 1024 * 1024 });
    const pushed = Array.from({ length: 40 }, () => randomBytes(16 * 1024));
    for (const chunk of pushed) body.write(chunk);
    body.end();
    const got: Buffer[] = [];
    for await (const chunk of chunksAsPushed(body)) {
      got.push(chunk);
      await tick(); // a slow reader: everything else waits buffered meanwhile
    }
    expect(got.length).toBe(pushed.length);
    expect(got.every((chunk, i) => chunk.equals(pushed[i] as Buffer))).toBe(true);
    // Readable's own iterator hands the 39 waiting chunks over joined into one Buffer.
    const joined: Buffer[] = [];
    const again = new PassThrough({ highWaterMark: 1024 * 1024 });
    for (const chunk of pushed) again.write(chunk);
    again.end();
    for await (const chunk of again) joined.push(chunk as Buffer);
    expect(joined.length).toBeLessThan(pushed.length);
  });

  it('pauses the body while a megabyte waits unread, and resumes it as it is read', async () => {
    const body = new PassThrough({ highWaterMark: 64 * 1024 });
    const chunk = randomBytes(64 * 1024);
    const chunks = chunksAsPushed(body);
    const first = chunks.next(); // starts reading; nothing more is read until the end
    let written = 0;
    while (written < 1000) {
      written += 1;
      if (!body.write(chunk)) break;
      await tick();
    }
    // Unpaused, the queue would take every write: 16 chunks queued, then the body's own buffer.
    expect(body.isPaused()).toBe(true);
    expect(written).toBeLessThan(40);
    body.end();
    let read = (await first).done ? 0 : 1;
    for (let next = await chunks.next(); !next.done; next = await chunks.next()) read += 1;
    expect(read).toBe(written);
  });

  it('throws what destroyed the body, and a body cut without an error as premature', async () => {
    const failing = new PassThrough();
    failing.write(Buffer.from('a'));
    setTimeout(() => failing.destroy(new Error('disk gone')), 10);
    await expect(drain(chunksAsPushed(failing))).rejects.toThrow('disk gone');
    const cut = new PassThrough();
    setTimeout(() => cut.destroy(), 10);
    await expect(drain(chunksAsPushed(cut))).rejects.toThrow(/premature close/i);
  });

  it('destroys the body when the reader leaves early', async () => {
    const body = Readable.from([Buffer.from('a'), Buffer.from('b'), Buffer.from('c')]);
    for await (const _ of chunksAsPushed(body)) break;
    expect(body.destroyed).toBe(true);
  });
});

async function drain(chunks: AsyncIterable<Buffer>): Promise<number> {
  let n = 0;
  for await (const chunk of chunks) n += chunk.length;
  return n;
}
