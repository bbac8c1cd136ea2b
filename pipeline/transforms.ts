// Per-clip image transforms on packed RGB frames, written straight into a channels-first float tensor.
// Semantics follow torchvision on tensors:
//  - Resize((S, S)) = F.interpolate(mode='bilinear', align_corners=False, antialias=False), computed in
//    float from the uint8 pixels (no rounding back to uint8 in between);
//  - RandomHorizontalFlip(p=0.5), then RandomAffine(degrees=0, translate=(0.1, 0.1)): a whole-pixel shift
//    tx = round(U(-0.1 W, 0.1 W)), ty likewise (Python's round, half to even), nearest sampling, fill 0;
//  - ToTensor + Normalize(mean, std).
// The augmentation is drawn once per clip and applied to all of its frames.
import type { RandomState } from './random.js';

export const IMAGENET_MEAN: [number, number, number] = [0.485, 0.456, 0.406];
export const IMAGENET_STD: [number, number, number] = [0.229, 0.224, 0.225];

export interface Augment {
  flip: boolean;
  tx: number;
  ty: number;
}

export const NO_AUGMENT: Augment = { flip: false, tx: 0, ty: 0 };

/** Python's round(): to nearest, ties to even. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** One clip's augmentation: flip with p 0.5, shift up to `translate` of the size each way. */
export function drawAugment(rng: RandomState, size: number, translate = 0.1): Augment {
  const flip = rng.random() < 0.5;
  const max = translate * size;
  const tx = roundHalfEven(rng.random() * 2 * max - max);
  const ty = roundHalfEven(rng.random() * 2 * max - max);
  return { flip, tx, ty };
}

/** Source sample positions and weights of a 1-d bilinear resize (PyTorch's align_corners=False). */
function axis(inSize: number, outSize: number): { i0: Int32Array; i1: Int32Array; w1: Float32Array } {
  const scale = inSize / outSize;
  const i0 = new Int32Array(outSize);
  const i1 = new Int32Array(outSize);
  const w1 = new Float32Array(outSize);
  for (let o = 0; o < outSize; o++) {
    const src = Math.max(scale * (o + 0.5) - 0.5, 0);
    const f = Math.floor(src);
    i0[o] = Math.min(f, inSize - 1);
    i1[o] = Math.min(f + 1, inSize - 1);
    w1[o] = src - f;
  }
  return { i0, i1, w1 };
}

export interface FrameTransform {
  size: number;
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
}

/**
 * Resizes, augments and normalizes one RGB frame (width*height*3 bytes) into `out` at `offset`,
 * as 3 planes of size*size floats (C, H, W).
 */
export function frameToTensor(
  rgb: Uint8Array, width: number, height: number, t: FrameTransform, aug: Augment, out: Float32Array, offset: number,
): void {
  const S = t.size;
  const ax = axis(width, S);
  const ay = axis(height, S);
  const plane = S * S;
  for (let c = 0; c < 3; c++) {
    const scale = 1 / (255 * t.std[c]);
    const bias = 0 - t.mean[c] / t.std[c]; // 0 - x, not -x: a zero mean gives +0, not -0
    for (let y = 0; y < S; y++) {
      // the affine shift moves content by (tx, ty): output (x, y) reads the resized image at (x - tx, y - ty)
      const sy = y - aug.ty;
      const row = offset + c * plane + y * S;
      if (sy < 0 || sy >= S) {
        out.fill(bias, row, row + S);
        continue;
      }
      const r0 = ay.i0[sy] * width * 3;
      const r1 = ay.i1[sy] * width * 3;
      const wy = ay.w1[sy];
      for (let x = 0; x < S; x++) {
        let sx = x - aug.tx;
        if (sx < 0 || sx >= S) {
          out[row + x] = bias;
          continue;
        }
        if (aug.flip) sx = S - 1 - sx;
        const c0 = ax.i0[sx] * 3 + c;
        const c1 = ax.i1[sx] * 3 + c;
        const wx = ax.w1[sx];
        const top = rgb[r0 + c0] + (rgb[r0 + c1] - rgb[r0 + c0]) * wx;
        const bot = rgb[r1 + c0] + (rgb[r1 + c1] - rgb[r1 + c0]) * wx;
        out[row + x] = (top + (bot - top) * wy) * scale + bias;
      }
    }
  }
}
