// Bilinear resizes of packed RGB uint8 images, bit-exact with torchvision 0.14's F.resize on a uint8 tensor
// from read_image (torch 1.13 CPU). torchvision casts the image to float32, interpolates, then rounds half to
// even back to uint8; every float32 rounding of ATen's C++ is reproduced here with Math.fround (or a store into
// a Float32Array), because a one-ulp difference flips pixels that land on .5 — common when upscaling.
// (That is torch's portable kernels. Its AVX2 build fuses some of the antialias multiply-adds into FMAs and
// moves ~1 in 100,000 pixels by one level; test/fixtures/imagenet/native.json has the count.)
//
// - antialias: ATen's `_upsample_bilinear2d_aa` — PIL's triangle filter whose support widens by the
//   downscale factor, weights normalized per output pixel; separable, the width pass first into a float32
//   buffer, each sum accumulated in float32 tap by tap.
// - no antialias: `F.interpolate(bilinear, align_corners=False)`. read_image's tensor is channels-last in
//   memory, so ATen runs its channels-last kernel: four float32 weights h*w per pixel, summed in double.
//   That is not separable without changing the rounding, so it is done per pixel from per-axis taps.
// Newer torch (2.1+) also has a uint8 antialias kernel with PIL's int16 fixed-point weights, which newer
// torchvision uses for some inputs; it can land one level away from these float32 results here and there.

import { type RgbImage } from './image.js';

const f32 = Math.fround;

/** Per output index along one axis: the first input index, how many inputs and their weights. */
export interface AntialiasTaps {
  start: Int32Array;
  count: Int32Array;
  /** [outSize, maxTaps], row i's first count[i] entries used. */
  weights: Float32Array;
  maxTaps: number;
}

/** ATen's `_compute_indices_min_size_weights_aa` for the bilinear filter and float32 scalars. */
export function antialiasTaps(inSize: number, outSize: number): AntialiasTaps {
  const scale = f32(inSize / outSize);
  const support = scale >= 1 ? scale : 1; // interp_size/2 = 1, widened by the downscale factor
  const maxTaps = Math.ceil(support) * 2 + 1;
  const invScale = scale >= 1 ? f32(1 / scale) : 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Float32Array(outSize * maxTaps);
  for (let i = 0; i < outSize; i++) {
    const center = f32(scale * (i + 0.5));
    const xmin = Math.max(Math.trunc(f32(center - support) + 0.5), 0);
    const xsize = Math.min(Math.max(Math.min(Math.trunc(f32(center + support) + 0.5), inSize) - xmin, 0), maxTaps);
    let total = 0;
    for (let j = 0; j < xsize; j++) {
      const x = Math.abs(f32((f32(j + xmin - center) + 0.5) * invScale));
      const w = x < 1 ? f32(1 - x) : 0;
      weights[i * maxTaps + j] = w;
      total = f32(total + w);
    }
    if (total !== 0) for (let j = 0; j < xsize; j++) weights[i * maxTaps + j] = f32(weights[i * maxTaps + j] / total);
    start[i] = xmin;
    count[i] = xsize;
  }
  return { start, count, weights, maxTaps };
}

/** Per output index along one axis: the two input indices and their float32 weights. */
export interface LinearTaps {
  index0: Int32Array;
  index1: Int32Array;
  lambda0: Float32Array;
  lambda1: Float32Array;
}

/** ATen's `compute_source_index_and_lambda` (align_corners=False): source position in double, weights in float32. */
export function linearTaps(inSize: number, outSize: number): LinearTaps {
  const scale = f32(inSize / outSize);
  const index0 = new Int32Array(outSize);
  const index1 = new Int32Array(outSize);
  const lambda0 = new Float32Array(outSize);
  const lambda1 = new Float32Array(outSize);
  for (let i = 0; i < outSize; i++) {
    if (inSize === outSize) {
      index0[i] = index1[i] = i;
      lambda0[i] = 1;
      continue;
    }
    const real = Math.max(scale * (i + 0.5) - 0.5, 0);
    const i0 = Math.trunc(real);
    index0[i] = i0;
    index1[i] = i0 < inSize - 1 ? i0 + 1 : i0;
    lambda1[i] = real - i0;
    lambda0[i] = 1 - lambda1[i];
  }
  return { index0, index1, lambda0, lambda1 };
}

/** torch.round then .to(uint8): half to even (values here are never negative, and at most 255 + a few ulps). */
function toUint8(v: number): number {
  let r = Math.round(v);
  if (r - v === 0.5 && (r & 1) === 1) r -= 1;
  return r > 255 ? 255 : r;
}

/** Resizes along the width: [h, w, 3] → [h, outW, 3] float32, each output summed tap by tap in float32. */
function antialiasWidth(src: Uint8Array, width: number, height: number, outW: number): Float32Array {
  const { start, count, weights, maxTaps } = antialiasTaps(width, outW);
  const out = new Float32Array(height * outW * 3);
  for (let y = 0; y < height; y++) {
    const row = y * width * 3;
    const outRow = y * outW * 3;
    for (let x = 0; x < outW; x++) {
      const wBase = x * maxTaps;
      const n = count[x];
      let p = row + start[x] * 3;
      let w = weights[wBase];
      let r = f32(src[p] * w);
      let g = f32(src[p + 1] * w);
      let b = f32(src[p + 2] * w);
      for (let j = 1; j < n; j++) {
        p += 3;
        w = weights[wBase + j];
        r = f32(r + f32(src[p] * w));
        g = f32(g + f32(src[p + 1] * w));
        b = f32(b + f32(src[p + 2] * w));
      }
      const o = outRow + x * 3;
      out[o] = r;
      out[o + 1] = g;
      out[o + 2] = b;
    }
  }
  return out;
}

/** Resizes along the height: [h, w, 3] → [outH, w, 3] float32, rows accumulated tap by tap in float32. */
function antialiasHeight(src: ArrayLike<number>, width: number, height: number, outH: number): Float32Array {
  const { start, count, weights, maxTaps } = antialiasTaps(height, outH);
  const rowLen = width * 3;
  const out = new Float32Array(outH * rowLen);
  for (let y = 0; y < outH; y++) {
    const o = y * rowLen;
    for (let j = 0; j < count[y]; j++) {
      const w = weights[y * maxTaps + j];
      const s = (start[y] + j) * rowLen;
      // Stores into the Float32Array round each partial sum to float32, as ATen's float accumulator does.
      if (j === 0) for (let k = 0; k < rowLen; k++) out[o + k] = src[s + k] * w;
      else for (let k = 0; k < rowLen; k++) out[o + k] = out[o + k] + f32(src[s + k] * w);
    }
  }
  return out;
}

/** Antialiased bilinear resize (torchvision `antialias=True`, PIL's filter), width pass then height pass. */
export function resizeAntialias(src: RgbImage, outW: number, outH: number): RgbImage {
  const { width, height } = src;
  let plane: Uint8Array | Float32Array = src.data;
  if (outW !== width) plane = antialiasWidth(src.data, width, height, outW);
  if (outH !== height) plane = antialiasHeight(plane, outW, height, outH);
  const data = new Uint8Array(outW * outH * 3);
  for (let i = 0; i < data.length; i++) data[i] = toUint8(plane[i]);
  return { data, width: outW, height: outH };
}

/** Plain bilinear resize (torchvision 0.14–0.16's tensor default `antialias=False`): 2x2 source pixels each. */
export function resizeBilinear(src: RgbImage, outW: number, outH: number): RgbImage {
  const { data: s, width } = src;
  const tx = linearTaps(width, outW);
  const ty = linearTaps(src.height, outH);
  const data = new Uint8Array(outW * outH * 3);
  for (let y = 0; y < outH; y++) {
    const row0 = ty.index0[y] * width * 3;
    const row1 = ty.index1[y] * width * 3;
    const h0 = ty.lambda0[y];
    const h1 = ty.lambda1[y];
    for (let x = 0; x < outW; x++) {
      const c0 = tx.index0[x] * 3;
      const c1 = tx.index1[x] * 3;
      const w00 = f32(h0 * tx.lambda0[x]);
      const w01 = f32(h0 * tx.lambda1[x]);
      const w10 = f32(h1 * tx.lambda0[x]);
      const w11 = f32(h1 * tx.lambda1[x]);
      const o = (y * outW + x) * 3;
      for (let c = 0; c < 3; c++) {
        const v = s[row0 + c0 + c] * w00 + s[row0 + c1 + c] * w01 + s[row1 + c0 + c] * w10 + s[row1 + c1 + c] * w11;
        data[o + c] = toUint8(f32(v));
      }
    }
  }
  return { data, width: outW, height: outH };
}
