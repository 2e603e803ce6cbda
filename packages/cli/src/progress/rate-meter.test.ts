import { RateMeter } from './rate-meter';

describe('RateMeter', () => {
  it('measures the rate over its window, so the ETA follows a change of speed', () => {
    let now = 0;
    const meter = new RateMeter(2000, () => now);
    expect(meter.rate()).toBe(0);
    expect(meter.eta(100)).toBeNull();
    for (let t = 0; t <= 4000; t += 500) {
      now = t;
      meter.add(t); // 1000 units/s
    }
    expect(meter.rate()).toBeCloseTo(1000);
    expect(meter.eta(10000)).toBeCloseTo(6);
    for (let t = 4500; t <= 8000; t += 500) {
      now = t;
      meter.add(4000 + (t - 4000) / 10); // slows to 100 units/s
    }
    expect(meter.rate()).toBeCloseTo(100);
    expect(meter.eta(4400 + 1000)).toBeCloseTo(10);
  });
});
