import { SegmentMemory, SpareSegment } from './segment-memory';

const MiB = 1024 * 1024;

describe('SegmentMemory', () => {
  it('gives each request one segment until the budget is spent, then again once one is back', () => {
    const memory = new SegmentMemory(3 * MiB, MiB);
    expect([memory.tryTakeSegment(), memory.tryTakeSegment(), memory.tryTakeSegment()]).toEqual([
      true,
      true,
      true,
    ]);
    expect(memory.tryTakeSegment()).toBe(false);
    memory.give(MiB);
    expect(memory.tryTakeSegment()).toBe(true);
    expect(memory.usedBytes).toBe(3 * MiB);
  });

  it('takes a second buffer only while one more request could still start', () => {
    const memory = new SegmentMemory(4 * MiB, MiB);
    memory.tryTakeSegment();
    const spare = new SpareSegment(memory);
    expect(spare.take()).toBe(true); // 2 of 4 held, 2 left
    expect(spare.take()).toBe(false); // never a third buffer for one request
    memory.tryTakeSegment();
    const other = new SpareSegment(memory);
    expect(other.take()).toBe(false); // 3 of 4: the last segment stays for a new request
    expect(memory.tryTakeSegment()).toBe(true);
    spare.giveBack();
    spare.giveBack(); // given back once only
    expect(memory.usedBytes).toBe(3 * MiB);
  });

  it('shows what it holds on its gauge', () => {
    const seen: number[] = [];
    const memory = new SegmentMemory(2 * MiB, MiB, { set: (v) => seen.push(v) });
    memory.tryTakeSegment();
    memory.tryTakeSegment();
    memory.tryTakeSegment(); // refused: no change to show
    memory.give(MiB);
    expect(seen).toEqual([MiB, 2 * MiB, MiB]);
  });
});
