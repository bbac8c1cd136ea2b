import { describe, expect, it } from 'vitest';
import { frameFileName, frameIndices } from '../../pipeline/frames.js';

// numpy 1.24: np.floor(np.linspace(0, n - 1, 16)).astype(int)
const NUMPY: Record<number, number[]> = {
  1: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
  2: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
  5: [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 4],
  15: [0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14],
  16: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
  17: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 16],
  31: [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30],
  100: [0, 6, 13, 19, 26, 33, 39, 46, 52, 59, 66, 72, 79, 85, 92, 99],
  408: [0, 27, 54, 81, 108, 135, 162, 189, 217, 244, 271, 298, 325, 352, 379, 407],
  409: [0, 27, 54, 81, 108, 136, 163, 190, 217, 244, 272, 299, 326, 353, 380, 408],
  1000003: [0, 66666, 133333, 200000, 266667, 333334, 400000, 466667, 533334, 600001, 666668, 733334, 800001, 866668, 933335, 1000002],
};

describe('frameIndices', () => {
  it.each(Object.keys(NUMPY).map(Number))('matches numpy floor(linspace(0, n-1, 16)) for n = %i', (n) => {
    expect(frameIndices(n, 16)).toEqual(NUMPY[n]);
  });

  it('n = 16 keeps every frame once, n < 16 repeats frames, first and last always included', () => {
    expect(new Set(frameIndices(16)).size).toBe(16);
    const short = frameIndices(10);
    expect(short).toHaveLength(16);
    expect(new Set(short).size).toBe(10);
    for (const n of [3, 16, 17, 64, 500]) {
      const idx = frameIndices(n);
      expect(idx[0]).toBe(0);
      expect(idx[15]).toBe(n - 1);
      expect([...idx].sort((a, b) => a - b)).toEqual(idx);
    }
  });

  it('differs from the seed, which took 17 indices', () => {
    expect(frameIndices(409, 17)).toHaveLength(17);
    expect(frameIndices(409, 17).slice(0, 16)).not.toEqual(frameIndices(409, 16));
  });

  it('rejects counts that are not positive integers', () => {
    expect(() => frameIndices(0)).toThrow(/positive integer/);
    expect(() => frameIndices(2.5)).toThrow(/positive integer/);
    expect(() => frameIndices(10, 0)).toThrow(/positive integer/);
  });

  it('names frames by position', () => {
    expect(frameFileName(0)).toBe('frame00.jpg');
    expect(frameFileName(15)).toBe('frame15.jpg');
    expect(frameFileName(7, 120)).toBe('frame007.jpg');
  });
});
