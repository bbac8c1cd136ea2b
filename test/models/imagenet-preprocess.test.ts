// models/imagenet against torchvision 0.14 (test/fixtures/generate_imagenet.py): decoding, the uint8 resize and
// crop with antialias on and off, and the normalized tensor. Everything is compared exactly (sha256 of the
// bytes; float32 values to 1e-6 and in fact bit for bit): the resize reproduces ATen's float32 roundings, so
// there is no tolerance to hide behind. Reads the photos from ../shared/images beside the repo.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  IMAGENET_CLASSES,
  centerCrop,
  decodeImage,
  normalizeToChw,
  preprocessImage,
  preprocessRgb,
  resizeAntialias,
  resizeBilinear,
  resizedSize,
  resizeShorterSide,
  type RgbImage,
} from '../../models/imagenet/index.js';

const REPO = resolve(import.meta.dirname, '../..');
const FIXTURES = join(REPO, 'test/fixtures/imagenet');

interface Run {
  antialias: boolean;
  resizeSize: number;
  cropSize: number;
  resized: { shape: number[]; sha256: string };
  cropped: { shape: number[]; sha256: string; hwcBase64?: string };
  normalized: { shape: number[]; sum: number; absSum: number; samples: [number, number][] };
}
interface Case {
  name: string;
  file: string;
  mean: number[];
  std: number[];
  decoded?: { shape: number[]; sha256: string };
  runs?: Run[];
  torchvisionError?: string;
}

const load = (name: string): Case => JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8')) as Case;
const PHOTOS = ['dog', 'car', 'chicken', 'portrait', 'gray'].map(load);
const DECODE_ONLY = ['rgba', 'gray_alpha', 'palette_transparent'].map(load);
const REFUSED = ['cmyk', 'gray16'].map(load);

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

const decoded = new Map<string, Promise<RgbImage>>();
function decodeCase(c: Case): Promise<RgbImage> {
  if (!decoded.has(c.name)) decoded.set(c.name, decodeImage(join(REPO, c.file)));
  return decoded.get(c.name)!;
}

/** Where two HWC byte arrays differ: count, largest difference, first pixel. For failure messages. */
function byteDiff(a: Uint8Array, b: Uint8Array, width: number): string {
  let count = 0;
  let max = 0;
  let first = -1;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (d === 0) continue;
    count++;
    max = Math.max(max, d);
    if (first < 0) first = i;
  }
  const at = first < 0 ? '' : `, first at x=${Math.floor(first / 3) % width} y=${Math.floor(first / 3 / width)} c=${first % 3}`;
  return `${count} of ${a.length} bytes differ, max ${max}${at}`;
}

const runName = (r: Run) => `antialias=${r.antialias} resize=${r.resizeSize} crop=${r.cropSize}`;
const runs = PHOTOS.flatMap((c) => (c.runs ?? []).map((r) => [`${c.name} ${runName(r)}`, c, r] as const));

describe('decodeImage equals read_image(mode=RGB)', () => {
  it.each([...PHOTOS, ...DECODE_ONLY].map((c) => [c.name, c] as const))('%s', async (_, c) => {
    const img = await decodeCase(c);
    expect([3, img.height, img.width]).toEqual(c.decoded!.shape);
    expect(sha256(img.data)).toBe(c.decoded!.sha256);
  });

  it('replicates gray to three equal channels', async () => {
    const img = await decodeCase(load('gray'));
    for (let i = 0; i < img.data.length; i += 3) {
      if (img.data[i] !== img.data[i + 1] || img.data[i] !== img.data[i + 2]) throw new Error(`pixel ${i / 3} is not gray`);
    }
  });

  it.each(REFUSED.map((c) => [c.name, c] as const))('refuses %s as torchvision does, naming the file', async (_, c) => {
    expect(c.torchvisionError).toBeTruthy();
    const path = join(REPO, c.file);
    await expect(decodeImage(path)).rejects.toThrow(path);
    await expect(decodeImage(path)).rejects.toThrow(/CMYK|8-bit/);
  });

  it('names the file that is not an image, or not a whole one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'webgrad-imagenet-'));
    const text = join(dir, 'notes.jpg');
    writeFileSync(text, 'not a picture\n');
    await expect(decodeImage(text)).rejects.toThrow(`decodeImage: ${text} is not a JPEG or PNG file`);
    const bytes = readFileSync(join(REPO, '../shared/images/car.jpg')).subarray(0, 300);
    await expect(decodeImage(bytes, 'car-head.jpg')).rejects.toThrow(/cannot decode car-head\.jpg as JPEG/);
  });
});

describe('resize + center crop (uint8) equal torchvision F.resize + F.center_crop', () => {
  it.each(runs)('%s', async (_, c, r) => {
    const img = await decodeCase(c);
    const resized = resizeShorterSide(img, r.resizeSize, r.antialias);
    expect([3, resized.height, resized.width]).toEqual(r.resized.shape);
    const cropped = centerCrop(resized, r.cropSize);
    expect([3, cropped.height, cropped.width]).toEqual(r.cropped.shape);
    if (r.cropped.hwcBase64 !== undefined) {
      const expected = new Uint8Array(Buffer.from(r.cropped.hwcBase64, 'base64'));
      expect(byteDiff(cropped.data, expected, cropped.width)).toBe(`0 of ${expected.length} bytes differ, max 0`);
    }
    expect(sha256(cropped.data)).toBe(r.cropped.sha256);
    expect(sha256(resized.data)).toBe(r.resized.sha256);
  });

  const sweep = JSON.parse(readFileSync(join(FIXTURES, 'sizes.json'), 'utf8')) as {
    source: { width: number; height: number; hwcBase64: string };
    resizes: { width: number; height: number; antialias: boolean; sha256: string }[];
  };
  const noise: RgbImage = { ...sweep.source, data: new Uint8Array(Buffer.from(sweep.source.hwcBase64, 'base64')) };
  it.each(sweep.resizes.map((r) => [`${r.width}x${r.height} antialias=${r.antialias}`, r] as const))(
    'random 97x61 to %s',
    (_, r) => {
      const out = (r.antialias ? resizeAntialias : resizeBilinear)(noise, r.width, r.height);
      expect(sha256(out.data)).toBe(r.sha256);
    },
  );

  it('antialias changes the downscaled pixels, so the comparisons above can tell the two apart', async () => {
    const dog = await decodeCase(load('dog'));
    const on = resizeShorterSide(dog, 256, true);
    const off = resizeShorterSide(dog, 256, false);
    expect(byteDiff(on.data, off.data, on.width)).toMatch(/^[1-9]\d{4,} of /); // tens of thousands of bytes
  });
});

describe('normalized [3, 224, 224] tensor equals torchvision to 1e-6', () => {
  it.each(runs)('%s', async (_, c, r) => {
    const img = await decodeCase(c);
    const out = preprocessRgb(img.data, img.width, img.height, r);
    expect(out.shape).toEqual(r.normalized.shape);
    let worst = 0;
    let inexact = 0;
    for (const [i, v] of r.normalized.samples) {
      worst = Math.max(worst, Math.abs(out.data[i] - v));
      if (out.data[i] !== Math.fround(v)) inexact++;
    }
    expect(worst).toBeLessThanOrEqual(1e-6);
    expect(inexact).toBe(0); // same uint8 in, the same float32 division and subtraction: bit for bit
    let sum = 0;
    let absSum = 0;
    for (const v of out.data) {
      sum += v;
      absSum += Math.abs(v);
    }
    expect(Math.abs(sum - r.normalized.sum)).toBeLessThan(1e-6 * out.data.length);
    expect(Math.abs(absSum - r.normalized.absSum)).toBeLessThan(1e-6 * out.data.length);
  });

  it('reproduces torch’s float32 ((v / 255) - mean) / std for every byte value', () => {
    const [c] = PHOTOS;
    const ramp = new Uint8Array(256 * 3).map((_, i) => Math.floor(i / 3));
    const out = normalizeToChw({ data: ramp, width: 256, height: 1 }, c.mean, c.std);
    // torch 1.13: F.normalize(F.convert_image_dtype(uint8 0..255, float)) at 0, 128, 255 for R, G, B
    expect([out[0], out[128], out[255]]).toEqual([Math.fround(-2.1179039478302), Math.fround(0.07406462728977203), Math.fround(2.248908281326294)]);
    expect([out[256], out[512 + 255]]).toEqual([Math.fround(-2.0357141494750977), Math.fround(2.640000104904175)]);
  });
});

describe('shapes and padding', () => {
  it('takes the shorter side to 256 and truncates the longer, as _compute_resized_output_size', () => {
    expect(resizedSize(1546, 1213, 256)).toEqual({ width: 326, height: 256 }); // landscape: int(326.28)
    expect(resizedSize(600, 398, 256)).toEqual({ width: 385, height: 256 }); // int(385.93): truncated, not rounded
    expect(resizedSize(150, 230, 256)).toEqual({ width: 256, height: 392 }); // portrait
    expect(resizedSize(256, 256, 256)).toEqual({ width: 256, height: 256 }); // square
    expect(resizedSize(3, 1000, 256)).toEqual({ width: 256, height: 85333 });
  });

  it('gives [3, 224, 224] for portrait, landscape, square and tiny images', async () => {
    for (const c of PHOTOS) expect((await preprocessImage(join(REPO, c.file))).shape).toEqual([3, 224, 224]);
    const tiny = preprocessRgb(new Uint8Array([255, 0, 0, 0, 0, 255]), 2, 1);
    expect(tiny.shape).toEqual([3, 224, 224]);
  });

  it('zero-pads an image smaller than the crop, the extra column on the right, Python-rounded offsets', () => {
    // A 1-wide, 9-tall image into a 4x4 crop: pad left (4-1)//2 = 1, right 2; top = round(2.5) = 2.
    const column = new Uint8Array(9 * 3).map((_, i) => 10 + Math.floor(i / 3));
    const out = centerCrop({ data: column, width: 1, height: 9 }, 4);
    const red = Array.from({ length: 16 }, (_, i) => out.data[i * 3]);
    expect(red).toEqual([0, 12, 0, 0, 0, 13, 0, 0, 0, 14, 0, 0, 0, 15, 0, 0]);
    // 7 tall: top = round(1.5) = 2, banker's rounding both ways.
    expect(centerCrop({ data: column.subarray(0, 21), width: 1, height: 7 }, 4).data[3 * 1]).toBe(12);
  });

  it('checks its inputs', () => {
    expect(() => preprocessRgb(new Uint8Array(16), 2, 2)).toThrow(/RGBA\? drop the alpha/);
    expect(() => preprocessRgb(new Uint8Array(12), 2, 2, { cropSize: 0 })).toThrow(/cropSize must be a positive integer/);
    expect(() => preprocessRgb(new Uint8Array(12), 2, 2, { std: [1, 0, 1] })).toThrow(/std must not be zero/);
  });
});

describe('IMAGENET_CLASSES', () => {
  it('is pytorch/hub’s list, index = line - 1', () => {
    const lines = readFileSync(join(REPO, '../shared/images/imagenet_classes.txt'), 'utf8').split('\n');
    expect(IMAGENET_CLASSES).toEqual(lines.filter((l, i) => l !== '' || i < lines.length - 1));
    expect(IMAGENET_CLASSES).toHaveLength(1000);
    expect([IMAGENET_CLASSES[0], IMAGENET_CLASSES[207], IMAGENET_CLASSES[999]]).toEqual(['tench', 'golden retriever', 'toilet tissue']);
  });
});

describe('rgbaToRgb (the browser decoders\' canvas readback)', () => {
  it('drops every fourth byte, keeping pixel order', async () => {
    const { rgbaToRgb } = await import('../../models/imagenet/image.js');
    expect(Array.from(rgbaToRgb(Uint8ClampedArray.from([1, 2, 3, 255, 4, 5, 6, 0])))).toEqual([1, 2, 3, 4, 5, 6]);
    expect(rgbaToRgb([]).length).toBe(0);
  });
});
