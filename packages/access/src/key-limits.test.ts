import { effectiveLimits, type KeyLimits } from './key-limits';

const defaults = { maxRequestsPerMinute: 600, maxConcurrentUploads: 4, maxUploadBytes: 1000 };
const none: KeyLimits = {
  maxRequestsPerMinute: null,
  maxConcurrentUploads: null,
  maxUploadBytes: null,
};

describe('effectiveLimits', () => {
  it.each([
    ['no limits of its own: the defaults', none, defaults],
    [
      'its own rate and uploads, higher or lower than the defaults',
      { ...none, maxRequestsPerMinute: 6, maxConcurrentUploads: 10 },
      { ...defaults, maxRequestsPerMinute: 6, maxConcurrentUploads: 10 },
    ],
    ['a lower upload limit', { ...none, maxUploadBytes: 10 }, { ...defaults, maxUploadBytes: 10 }],
    ['never a higher upload limit', { ...none, maxUploadBytes: 5000 }, defaults],
  ])('%s', (_name, limits, expected) => {
    expect(effectiveLimits(limits, defaults)).toEqual(expected);
  });
});
