import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VideoDataset } from '../../pipeline/dataset.js';
import { frameFileName } from '../../pipeline/frames.js';
import { encodeJpeg } from '../../pipeline/jpeg.js';
import { DataLoader } from '../../pipeline/loader.js';
import { defaultSettings, SETTINGS_FILE } from '../../pipeline/manifest.js';
import { RandomState } from '../../pipeline/random.js';
import { ensureSplit } from '../../pipeline/split-file.js';
import { drawAugment, frameToTensor, IMAGENET_MEAN, IMAGENET_STD, NO_AUGMENT } from '../../pipeline/transforms.js';
import { tempDir } from './helpers.js';

const W = 80;
const H = 60;
const S = 112;
const PLANE = S * S;

/** A frame whose colour encodes its clip: constant (r, g, b) with a bright vertical bar at the left. */
function frame(r: number, g: number, b: number): Uint8Array {
  const px = new Uint8Array(W * H * 3);
  for (let i = 0; i < W * H; i++) {
    const bar = i % W < 16;
    px[i * 3] = bar ? 255 : r;
    px[i * 3 + 1] = bar ? 255 : g;
    px[i * 3 + 2] = bar ? 255 : b;
  }
  return px;
}

/** Bitwise equality of two float arrays (vitest's deep equality is far too slow for tensors this size). */
function same(a: Float32Array, b: Float32Array): boolean {
  return a.length === b.length && Buffer.compare(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), new Uint8Array(b.buffer, b.byteOffset, b.byteLength)) === 0;
}

const root = tempDir('dataset');
const COLOURS: Record<string, [number, number, number]> = {};

beforeAll(async () => {
  writeFileSync(join(root, SETTINGS_FILE), JSON.stringify({ version: 1, settings: defaultSettings() }));
  const ids: string[] = [];
  for (const cls of ['clap', 'wave']) {
    for (let k = 0; k < 6; k++) {
      const id = `${cls}/clip${k}`;
      const colour: [number, number, number] = [cls === 'clap' ? 40 : 200, 20 + 30 * k, 100];
      COLOURS[id] = colour;
      mkdirSync(join(root, id), { recursive: true });
      const jpg = await encodeJpeg(frame(...colour), W, H, 95);
      for (let t = 0; t < 16; t++) writeFileSync(join(root, id, frameFileName(t)), jpg);
      ids.push(id);
    }
  }
  ensureSplit(root, ids, { kind: 'stratified', testSize: 0.25, seed: 0 });
});

describe('transforms', () => {
  const t = { size: 4, mean: [0, 0, 0] as const, std: [1 / 255, 1 / 255, 1 / 255] as const }; // identity normalization

  it('resizes like torch.nn.functional.interpolate(bilinear, align_corners=False)', () => {
    // 2x1 [0, 255] -> 4 wide: torch gives [0, 0.25, 0.75, 1] * 255
    const rgb = new Uint8Array([0, 0, 0, 255, 255, 255]);
    const out = new Float32Array(3 * 16);
    frameToTensor(rgb, 2, 1, t, NO_AUGMENT, out, 0);
    expect(Array.from(out.subarray(0, 4))).toEqual([0, 63.75, 191.25, 255]);
    // 8 -> 4 halves: each output is the mean of two neighbours
    const row = new Uint8Array(8 * 3).map((_, i) => Math.floor(i / 3) * 10);
    frameToTensor(row, 8, 1, t, NO_AUGMENT, out, 0);
    expect(Array.from(out.subarray(0, 4))).toEqual([5, 25, 45, 65]);
  });

  it('flips and shifts with fill 0 before normalization', () => {
    const rgb = new Uint8Array(4 * 4 * 3).map((_, i) => (Math.floor(i / 3) % 4) * 50 + 10);
    const base = new Float32Array(48);
    const flipped = new Float32Array(48);
    const shifted = new Float32Array(48);
    frameToTensor(rgb, 4, 4, t, NO_AUGMENT, base, 0);
    frameToTensor(rgb, 4, 4, t, { flip: true, tx: 0, ty: 0 }, flipped, 0);
    frameToTensor(rgb, 4, 4, t, { flip: false, tx: 1, ty: -1 }, shifted, 0);
    expect(Array.from(base.subarray(0, 4))).toEqual([10, 60, 110, 160]);
    expect(Array.from(flipped.subarray(0, 4))).toEqual([160, 110, 60, 10]);
    expect(Array.from(shifted.subarray(0, 4))).toEqual([0, 10, 60, 110]);
    expect(Array.from(shifted.subarray(12, 16))).toEqual([0, 0, 0, 0]); // the bottom row came from outside
  });

  it('draws flips half the time and whole-pixel shifts within 10 %', () => {
    const rng = new RandomState(3);
    const draws = Array.from({ length: 4000 }, () => drawAugment(rng, 112));
    const flips = draws.filter((d) => d.flip).length / draws.length;
    expect(flips).toBeGreaterThan(0.46);
    expect(flips).toBeLessThan(0.54);
    const tx = draws.map((d) => d.tx);
    expect(Math.min(...tx)).toBe(-11);
    expect(Math.max(...tx)).toBe(11);
    expect(draws.every((d) => Number.isInteger(d.ty) && Math.abs(d.ty) <= 11)).toBe(true);
  });
});

describe('VideoDataset', () => {
  it('returns [16, 3, 112, 112] ImageNet-normalized tensors and the sorted class index', async () => {
    const ds = new VideoDataset({ root, split: 'test' });
    expect(ds.classes).toEqual(['clap', 'wave']);
    expect(ds.length).toBe(3); // ceil(0.25 * 12), as scikit-learn
    const s = await ds.get(0);
    expect(s.x).toHaveLength(16 * 3 * S * S);
    expect(s.y).toBe(ds.classes.indexOf(s.id.split('/')[0]));
    const colour = COLOURS[s.id];
    for (const t of [0, 15]) {
      for (let c = 0; c < 3; c++) {
        // a pixel well inside the flat region (right of the bar)
        const v = s.x[t * 3 * PLANE + c * PLANE + 60 * S + 80];
        expect(v).toBeCloseTo((colour[c] / 255 - IMAGENET_MEAN[c]) / IMAGENET_STD[c], 1);
      }
    }
  });

  it('gives all 16 frames of a clip the same augmentation, and different clips different ones', async () => {
    const ds = new VideoDataset({ root, split: 'train', seed: 11 });
    expect(ds.options.augment).toBe(true);
    const plain = new VideoDataset({ root, split: 'train', augment: false });
    const per = 3 * PLANE;
    let changed = 0;
    const augs = new Set<string>();
    for (let i = 0; i < ds.length; i++) {
      const { x } = await ds.get(i, 0);
      for (let t = 1; t < 16; t++) expect(same(x.subarray(t * per, (t + 1) * per), x.subarray(0, per))).toBe(true);
      const { x: p } = await plain.get(i);
      if (!same(x, p)) changed++;
      augs.add(JSON.stringify(ds.augmentFor(i, 0)));
      // seeded: the same clip in the same epoch gets the same draw
      expect(same((await ds.get(i, 0)).x, x)).toBe(true);
    }
    expect(changed).toBeGreaterThan(ds.length / 2);
    expect(augs.size).toBeGreaterThan(3);
    expect(ds.augmentFor(0, 1)).not.toEqual(ds.augmentFor(0, 0));
  });

  it('says how to make a frames folder when there is none', () => {
    expect(() => new VideoDataset({ root: join(root, 'nowhere'), split: 'train' })).toThrow(/prepare:hmdb/);
    expect(() => new VideoDataset({ root, split: 'train', frames: 32 })).toThrow(/--frames 32/);
  });
});

describe('DataLoader', () => {
  let ds: VideoDataset;
  beforeAll(() => {
    ds = new VideoDataset({ root, split: 'all', augment: true, seed: 5 });
  });
  const loaders: DataLoader[] = [];
  const make = (o: ConstructorParameters<typeof DataLoader>[1]): DataLoader => {
    const l = new DataLoader(ds, o);
    loaders.push(l);
    return l;
  };
  afterAll(async () => {
    await Promise.all(loaders.map((l) => l.close()));
  });

  it('orders batches by the seed, one permutation per epoch', async () => {
    const a = make({ batchSize: 5, seed: 1, numWorkers: 0 });
    const b = make({ batchSize: 5, seed: 1, numWorkers: 0 });
    expect(a.batchIndices(0)).toEqual(b.batchIndices(0));
    expect(a.batchIndices(0)).not.toEqual(a.batchIndices(1));
    expect(make({ batchSize: 5, seed: 2 }).batchIndices(0)).not.toEqual(a.batchIndices(0));
    expect(a.batchIndices(0).flat().sort((x, y) => x - y)).toEqual(Array.from({ length: 12 }, (_, i) => i));
    expect(a.length).toBe(3);
    expect(make({ batchSize: 5, dropLast: true }).length).toBe(2);
    expect(make({ batchSize: 5, shuffle: false }).batchIndices(0)[0]).toEqual([0, 1, 2, 3, 4]);
  });

  it('worker threads with prefetching yield exactly what the in-thread path does, in order', async () => {
    const collect = async (l: DataLoader): Promise<Array<{ x: Float32Array; y: Int32Array; ids: string[] }>> => {
      const out = [];
      for await (const batch of l.epoch(3)) out.push(batch);
      return out;
    };
    const inThread = await collect(make({ batchSize: 5, seed: 9, numWorkers: 0 }));
    const threaded = await collect(make({ batchSize: 5, seed: 9, numWorkers: 2, prefetch: 2 }));
    expect(threaded.map((b) => b.ids)).toEqual(inThread.map((b) => b.ids));
    expect(threaded.map((b) => b.x.length)).toEqual([5, 5, 2].map((n) => n * 16 * 3 * PLANE));
    for (let i = 0; i < 3; i++) {
      expect(threaded[i].y).toEqual(inThread[i].y);
      expect(same(threaded[i].x, inThread[i].x)).toBe(true);
      expect(Array.from(threaded[i].y)).toEqual(threaded[i].ids.map((id) => ds.classes.indexOf(id.split('/')[0])));
    }
  });

  it('reports a broken clip from a worker thread instead of hanging', async () => {
    writeFileSync(join(root, 'wave/clip5', frameFileName(3)), 'not a jpeg');
    const l = make({ batchSize: 4, numWorkers: 1, shuffle: false });
    await expect(async () => {
      for await (const _ of l.epoch(0)) void _;
    }).rejects.toThrow(/wave\/clip5\/frame03\.jpg/);
  });
});
