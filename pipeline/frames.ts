// Which frames of a clip are kept, and how they are named on disk.

/** Frames kept per clip by default (the seed's notebook feeds 16-frame clips). */
export const DEFAULT_FRAMES = 16;

/**
 * `floor(numpy.linspace(0, n - 1, k))`: k frame indices equally spaced over the whole clip,
 * first and last frame included. Computed the way numpy does (i * step, last set to n - 1)
 * so the float rounding, and hence every index, is the same as the Python reference.
 *
 * For n < k indices repeat (linspace semantics); prepare refuses such clips as too short, but a
 * caller that wants to pad short clips by repetition can use this directly.
 *
 * The seed's get_frames differs in two ways: it computes linspace(0, n - 1, 17), i.e. 17 indices,
 * writes all 17 frames, and then keeps whatever 16 files its unsorted glob returns first — so the
 * kept set depended on directory order and usually was not evenly spaced. Here exactly k indices
 * are computed and the files are named by position (frame00..frame15), so order is explicit.
 */
export function frameIndices(n: number, k: number = DEFAULT_FRAMES): number[] {
  if (!Number.isInteger(n) || n < 1) throw new Error(`frameIndices: frame count must be a positive integer, got ${n}`);
  if (!Number.isInteger(k) || k < 1) throw new Error(`frameIndices: number of frames must be a positive integer, got ${k}`);
  if (k === 1) return [0];
  const step = (n - 1) / (k - 1);
  const out = new Array<number>(k);
  for (let i = 0; i < k; i++) out[i] = Math.floor(i * step);
  out[k - 1] = n - 1;
  return out;
}

/** File name of the i-th kept frame: frame00.jpg … frame15.jpg (two digits, wider when k > 100). */
export function frameFileName(i: number, k: number = DEFAULT_FRAMES): string {
  const width = Math.max(2, String(k - 1).length);
  return `frame${String(i).padStart(width, '0')}.jpg`;
}
