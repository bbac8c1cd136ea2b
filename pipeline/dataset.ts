// VideoDataset: the clips of a frames folder (made by prepare) as normalized [T, 3, S, S] float tensors.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_FRAMES, frameFileName, frameIndices } from './frames.js';
import { decodeJpeg } from './jpeg.js';
import { SETTINGS_FILE, type PrepareSettings } from './manifest.js';
import { RandomState } from './random.js';
import { SPLIT_FILE, type SplitFile } from './split-file.js';
import { drawAugment, frameToTensor, IMAGENET_MEAN, IMAGENET_STD, NO_AUGMENT, type Augment } from './transforms.js';

export interface VideoDatasetOptions {
  /** A frames folder written by prepare (holds prepare.json and split.json). */
  root: string;
  /** Which side of the saved split, or every clip in it. */
  split: 'train' | 'test' | 'all';
  /** Frames per clip (default 16); fewer than were extracted picks an evenly spaced subset. */
  frames?: number;
  /** Output height and width (default 112). */
  size?: number;
  mean?: readonly [number, number, number];
  std?: readonly [number, number, number];
  /** Random flip + translation, one draw per clip (default: on for 'train', off otherwise). */
  augment?: boolean;
  /** Seed of the augmentation draws (default 0). */
  seed?: number;
}

export interface Sample {
  x: Float32Array;
  y: number;
  id: string;
}

/** Mixes (seed, epoch, index) into one 32-bit seed, so each clip's draw is fixed whatever thread makes it. */
export function mixSeed(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const p of parts) {
    h = Math.imul(h ^ (p >>> 0), 0x01000193);
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d);
    h ^= h >>> 12;
  }
  return h >>> 0;
}

export class VideoDataset {
  readonly options: Required<VideoDatasetOptions>;
  /** Sorted class names; labels index into this. */
  readonly classes: string[];
  /** Clip ids `class/clip`, in the split file's order. */
  readonly ids: string[];
  readonly labels: Int32Array;
  /** Which of the extracted frame files each sample uses. */
  private readonly frameFiles: string[];

  constructor(opts: VideoDatasetOptions) {
    const splitPath = join(opts.root, SPLIT_FILE);
    if (!existsSync(splitPath)) {
      throw new Error(`VideoDataset: ${splitPath} not found; make the frames folder with npm run prepare:hmdb -- --data <videos> --out ${opts.root}`);
    }
    const split = JSON.parse(readFileSync(splitPath, 'utf8')) as SplitFile;
    const settings = (JSON.parse(readFileSync(join(opts.root, SETTINGS_FILE), 'utf8')) as { settings: PrepareSettings }).settings;
    const frames = opts.frames ?? DEFAULT_FRAMES;
    if (frames > settings.frames) {
      throw new Error(`VideoDataset: ${frames} frames per clip asked, but ${opts.root} holds ${settings.frames}; prepare again with --frames ${frames}`);
    }
    this.options = {
      root: opts.root, split: opts.split, frames, size: opts.size ?? 112,
      mean: opts.mean ?? IMAGENET_MEAN, std: opts.std ?? IMAGENET_STD,
      augment: opts.augment ?? opts.split === 'train', seed: opts.seed ?? 0,
    };
    this.classes = split.classes;
    this.ids = opts.split === 'all' ? [...split.train, ...split.test] : split[opts.split];
    this.labels = Int32Array.from(this.ids, (id) => {
      const c = this.classes.indexOf(id.slice(0, id.indexOf('/')));
      if (c < 0) throw new Error(`VideoDataset: ${splitPath} lists ${id}, whose class is not among its classes`);
      return c;
    });
    this.frameFiles = frameIndices(settings.frames, frames).map((i) => frameFileName(i, settings.frames));
  }

  get length(): number {
    return this.ids.length;
  }

  /** Elements of one sample: frames * 3 * size * size. */
  get sampleSize(): number {
    return this.options.frames * 3 * this.options.size ** 2;
  }

  /** The augmentation clip `index` gets in `epoch` (none when augmentation is off). */
  augmentFor(index: number, epoch: number): Augment {
    if (!this.options.augment) return NO_AUGMENT;
    return drawAugment(new RandomState(mixSeed(this.options.seed, epoch, index)), this.options.size);
  }

  /** Decodes, transforms and writes sample `index` into `out` at `offset` (for batch assembly without copies). */
  async loadInto(index: number, out: Float32Array, offset: number, epoch = 0): Promise<void> {
    if (!(index >= 0 && index < this.ids.length)) throw new RangeError(`VideoDataset: index ${index} out of range [0, ${this.ids.length})`);
    const id = this.ids[index];
    const aug = this.augmentFor(index, epoch);
    const dir = join(this.options.root, id);
    const { size, mean, std } = this.options;
    const per = 3 * size * size;
    await Promise.all(this.frameFiles.map(async (name, t) => {
      let img;
      try {
        img = await decodeJpeg(join(dir, name));
      } catch (e) {
        throw new Error(`VideoDataset: cannot read ${join(dir, name)} (${(e as Error).message}); prepare the folder again`);
      }
      frameToTensor(img.data, img.width, img.height, { size, mean, std }, aug, out, offset + t * per);
    }));
  }

  /** Sample `index` as { x: Float32Array [frames, 3, size, size], y, id }. */
  async get(index: number, epoch = 0): Promise<Sample> {
    const x = new Float32Array(this.sampleSize);
    await this.loadInto(index, x, 0, epoch);
    return { x, y: this.labels[index], id: this.ids[index] };
  }
}
