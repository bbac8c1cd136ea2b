// Batch sources for the training loop: clips from a DataLoader (decoded, transformed and batched by
// worker threads), or — with a frozen backbone and no augmentation — per-frame ResNet18 features
// computed once per clip and replayed in the loader's order, which turns an epoch from seconds per
// clip into milliseconds.

import { noGrad, type Tensor, tensor } from '../../engine/index.js';
import type { Resnt18Rnn } from '../../models/index.js';
import type { DataLoader } from '../loader.js';
import type { BatchSource, SourceBatch } from './epoch.js';

/** Clips [B, T, 3, S, S] straight from a DataLoader. */
export class ClipSource implements BatchSource {
  constructor(readonly loader: DataLoader) {}

  get size(): number {
    return this.loader.dataset.length;
  }

  get batchesPerEpoch(): number {
    return this.loader.length;
  }

  async *batches(epoch: number, from: number): AsyncGenerator<SourceBatch> {
    const { frames, size } = this.loader.dataset.options;
    for await (const b of this.loader.epoch(epoch, from)) {
      const B = b.y.length;
      yield { x: tensor(b.x, { shape: [B, frames, 3, size, size] }), y: tensor(b.y, { shape: [B], dtype: 'int32' }) };
    }
  }
}

/** Per-frame features [N, T, F] of every clip of a (non-augmenting) loader's dataset, in dataset order. */
export interface ClipFeatures {
  data: Float32Array;
  clips: number;
  frames: number;
  features: number;
}

/**
 * Runs `fn` without gradients on every batch of an unshuffled loader's clips [B, T, 3, S, S] and
 * gathers its outputs, `width` values per clip, in dataset order.
 */
export async function mapClips(loader: DataLoader, width: number, fn: (clips: Tensor) => Tensor, onBatch?: (done: number, total: number) => void): Promise<Float32Array> {
  if (loader.shuffle) throw new Error('mapClips: pass an unshuffled loader (outputs are stored in dataset order)');
  const { frames, size } = loader.dataset.options;
  const N = loader.dataset.length;
  const out = new Float32Array(N * width);
  let done = 0;
  for await (const b of loader.epoch(0)) {
    const B = b.y.length;
    const x = tensor(b.x, { shape: [B, frames, 3, size, size] });
    const y = noGrad(() => fn(x));
    x.dispose();
    out.set(await y.data() as Float32Array, done * width);
    y.dispose();
    done += B;
    onBatch?.(done, N);
  }
  return out;
}

/** Runs the model's CNN half once over every clip (eval mode, no gradients). */
export async function computeClipFeatures(model: Resnt18Rnn, loader: DataLoader, onBatch?: (done: number, total: number) => void): Promise<ClipFeatures> {
  const { frames, augment } = loader.dataset.options;
  if (augment) throw new Error('computeClipFeatures: the dataset augments its clips, so features cannot be computed once; use --no-augment');
  const F = model.rnn.inputSize;
  const wasTraining = model.baseModel.training;
  model.baseModel.eval();
  try {
    const data = await mapClips(loader, frames * F, (x) => model.clipFeatures(x), onBatch);
    return { data, clips: loader.dataset.length, frames, features: F };
  } finally {
    model.baseModel.train(wasTraining);
  }
}

/** Cached features replayed in the batch order of `order(epoch)` (the DataLoader's seeded shuffle). */
export class FeatureSource implements BatchSource {
  constructor(
    readonly cache: ClipFeatures,
    readonly labels: Int32Array,
    private readonly order: (epoch: number) => number[][],
  ) {}

  get size(): number {
    return this.cache.clips;
  }

  get batchesPerEpoch(): number {
    return this.order(0).length;
  }

  async *batches(epoch: number, from: number): AsyncGenerator<SourceBatch> {
    const { data, frames, features } = this.cache;
    const per = frames * features;
    for (const indices of this.order(epoch).slice(from)) {
      const x = new Float32Array(indices.length * per);
      indices.forEach((clip, b) => x.set(data.subarray(clip * per, (clip + 1) * per), b * per));
      yield {
        x: tensor(x, { shape: [indices.length, frames, features] }),
        y: tensor(Int32Array.from(indices, (i) => this.labels[i]!), { shape: [indices.length], dtype: 'int32' }),
      };
    }
  }
}
