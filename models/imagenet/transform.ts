// torchvision's ImageClassification preset (what ResNet18_Weights.IMAGENET1K_V1.transforms() returns) on
// pixels already in hand: resize the shorter side, center-crop, scale to [0, 1], normalize, as a CHW
// float32 tensor. Pure data code — no engine, no sharp, no fs — so a browser or worker can run it.
//
// antialias defaults to true: torchvision >= 0.17's default for tensors and what PIL images always got, and
// so what the published ImageNet accuracies of torchvision's weights were measured with (their eval resized
// PIL images). torchvision 0.14–0.16 tensors got antialias=False; pass it to reproduce those exactly.

import { checkRgb, type RgbImage } from './image.js';
import { resizeAntialias, resizeBilinear } from './resize.js';

export const IMAGENET_MEAN: readonly number[] = [0.485, 0.456, 0.406];
export const IMAGENET_STD: readonly number[] = [0.229, 0.224, 0.225];

export interface PreprocessOptions {
  /** The shorter side after resizing (default 256). */
  resizeSize?: number;
  /** The side of the square center crop (default 224); the resized image is zero-padded if smaller. */
  cropSize?: number;
  /** Triangle-filter antialiasing when downscaling (default true; see the top of this file). */
  antialias?: boolean;
  /** Per-channel mean and std for RGB (default ImageNet's). */
  mean?: readonly number[];
  std?: readonly number[];
}

/** A [3, cropSize, cropSize] float32 tensor, channel-major (CHW), ready to batch for a model. */
export interface Preprocessed {
  data: Float32Array;
  shape: [3, number, number];
}

/**
 * torchvision's `_compute_resized_output_size` for a single size: the shorter side becomes `size`, the longer
 * `int(size * long / short)` (truncated, so the aspect ratio rounds down).
 */
export function resizedSize(width: number, height: number, size: number): { width: number; height: number } {
  if (width <= height) return { width: size, height: Math.trunc((size * height) / width) };
  return { width: Math.trunc((size * width) / height), height: size };
}

/** F.resize(img, size): untouched when already that size, as torchvision returns it. */
export function resizeShorterSide(img: RgbImage, size: number, antialias: boolean): RgbImage {
  const out = resizedSize(img.width, img.height, size);
  if (out.width === img.width && out.height === img.height) return img;
  return antialias ? resizeAntialias(img, out.width, out.height) : resizeBilinear(img, out.width, out.height);
}

/** Python's round() of n / 2: half to even. */
function roundHalf(n: number): number {
  const q = Math.floor(n / 2);
  return n % 2 === 0 || q % 2 === 0 ? q : q + 1;
}

/**
 * F.center_crop(img, size): a size x size window at offset round((H - size) / 2) (Python rounding); an image
 * smaller than the crop is first zero-padded, floor((size - W) / 2) on the left and the rest on the right.
 */
export function centerCrop(img: RgbImage, size: number): RgbImage {
  const padLeft = img.width < size ? Math.floor((size - img.width) / 2) : 0;
  const padTop = img.height < size ? Math.floor((size - img.height) / 2) : 0;
  const left = roundHalf(Math.max(img.width, size) - size) - padLeft;
  const top = roundHalf(Math.max(img.height, size) - size) - padTop;
  const data = new Uint8Array(size * size * 3); // zeros: the padding
  for (let y = 0; y < size; y++) {
    const sy = y + top;
    if (sy < 0 || sy >= img.height) continue;
    const x0 = Math.max(0, -left);
    const x1 = Math.min(size, img.width - left);
    if (x1 <= x0) continue;
    const from = (sy * img.width + left + x0) * 3;
    data.set(img.data.subarray(from, from + (x1 - x0) * 3), (y * size + x0) * 3);
  }
  return { data, width: size, height: size };
}

/**
 * convert_image_dtype(float) then normalize: ((v / 255) - mean) / std in float32, HWC uint8 → CHW float32.
 * A uint8 has 256 values, so each channel is a lookup table of torch's exact float32 results.
 */
export function normalizeToChw(img: RgbImage, mean: readonly number[], std: readonly number[]): Float32Array {
  const plane = img.width * img.height;
  const out = new Float32Array(3 * plane);
  for (let c = 0; c < 3; c++) {
    const m = Math.fround(mean[c]);
    const s = Math.fround(std[c]);
    const table = new Float32Array(256);
    for (let v = 0; v < 256; v++) table[v] = Math.fround(Math.fround(Math.fround(v / 255) - m) / s);
    const o = c * plane;
    for (let i = 0; i < plane; i++) out[o + i] = table[img.data[i * 3 + c]];
  }
  return out;
}

function positiveInt(where: string, name: string, v: number): number {
  if (!Number.isInteger(v) || v < 1) throw new Error(`${where}: ${name} must be a positive integer (got ${v})`);
  return v;
}

function perChannel(where: string, name: string, v: readonly number[]): readonly number[] {
  if (v.length !== 3 || !v.every(Number.isFinite)) {
    throw new Error(`${where}: ${name} must be 3 finite numbers, one per RGB channel (got [${v.join(', ')}])`);
  }
  return v;
}

/** The uint8 half of the preset: resize the shorter side, then center-crop. Packed RGB in, packed RGB out. */
export function resizeAndCrop(rgb: Uint8Array, width: number, height: number, options: PreprocessOptions = {}): RgbImage {
  checkRgb('resizeAndCrop', rgb, width, height);
  const resizeSize = positiveInt('resizeAndCrop', 'resizeSize', options.resizeSize ?? 256);
  const cropSize = positiveInt('resizeAndCrop', 'cropSize', options.cropSize ?? 224);
  const resized = resizeShorterSide({ data: rgb, width, height }, resizeSize, options.antialias ?? true);
  return centerCrop(resized, cropSize);
}

/** The whole preset on packed RGB pixels (e.g. from decodeImage, or a canvas with alpha dropped). */
export function preprocessRgb(rgb: Uint8Array, width: number, height: number, options: PreprocessOptions = {}): Preprocessed {
  const mean = perChannel('preprocessRgb', 'mean', options.mean ?? IMAGENET_MEAN);
  const std = perChannel('preprocessRgb', 'std', options.std ?? IMAGENET_STD);
  if (std.some((s) => Math.fround(s) === 0)) throw new Error(`preprocessRgb: std must not be zero (got [${std.join(', ')}])`);
  const cropped = resizeAndCrop(rgb, width, height, options);
  return { data: normalizeToChw(cropped, mean, std), shape: [3, cropped.height, cropped.width] };
}
