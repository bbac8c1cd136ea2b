// BatchNorm1d / BatchNorm2d over engine/ops/batchnorm.ts. Buffers as PyTorch's: running_mean,
// running_var and num_batches_tracked — an int32 scalar here where PyTorch's is int64
// (webgrad has no 64-bit ints; loading PyTorch's int64 value casts it).
//
// forward(x, { relu, residual }) is a webgrad extension: relu(bn(x) + residual) in one pass
// (ops' batchNormAct), for residual blocks; the call stays this layer's (profile scope, count
// of batches tracked), and forward(x) is PyTorch's.

import { mapInPlace } from '../ops/core.js';
import { batchNorm, batchNormAct, type BatchNormActOptions } from '../ops/batchnorm.js';
import { full, ones, zeros } from '../ops/creation.js';
import { fmt } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';

export interface BatchNormModuleOptions {
  eps?: number;
  /** Running-average factor (default 0.1). PyTorch's momentum=None (cumulative average) is not supported. */
  momentum?: number;
  affine?: boolean;
  trackRunningStats?: boolean;
}

/** What a fused forward adds after the normalization: relu(bn(x) + residual). */
export type BatchNormEpilogue = Pick<BatchNormActOptions, 'residual' | 'relu'>;

abstract class BatchNormBase extends Module<[Tensor, BatchNormEpilogue?]> {
  readonly eps: number;
  readonly momentum: number;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  readonly runningMean: Tensor | null;
  readonly runningVar: Tensor | null;
  readonly numBatchesTracked: Tensor | null;

  constructor(readonly numFeatures: number, options: BatchNormModuleOptions = {}) {
    super();
    if ((options.momentum as number | null | undefined) === null) {
      throw new Error(`${this.name}: momentum=None (cumulative moving average) is not supported; pass a number such as 0.1`);
    }
    this.eps = options.eps ?? 1e-5;
    this.momentum = options.momentum ?? 0.1;
    this.affine = options.affine ?? true;
    this.trackRunningStats = options.trackRunningStats ?? true;
    this.weight = this.registerParameter('weight', this.affine ? ones([numFeatures]) : null);
    this.bias = this.registerParameter('bias', this.affine ? zeros([numFeatures]) : null);
    const track = this.trackRunningStats;
    this.runningMean = this.registerBuffer('running_mean', track ? zeros([numFeatures]) : null);
    this.runningVar = this.registerBuffer('running_var', track ? ones([numFeatures]) : null);
    this.numBatchesTracked = this.registerBuffer('num_batches_tracked', track ? full([], 0, 'int32') : null);
  }

  /** The input ranks this layer accepts, e.g. [2, 3] for BatchNorm1d. */
  protected abstract readonly ranks: readonly number[];

  forward(x: Tensor, epilogue?: BatchNormEpilogue): Tensor {
    if (!this.ranks.includes(x.rank)) {
      throw new Error(`${this.name}: expected ${this.ranks.map((r) => `${r}D`).join(' or ')} input, got ${x.rank}D input ${fmt(x.shape)}`);
    }
    if (x.shape[1] !== this.numFeatures) {
      throw new Error(`${this.name}: input has ${x.shape[1]} channels but the layer expects ${this.numFeatures} (input ${fmt(x.shape)})`);
    }
    if (this.training && this.numBatchesTracked) mapInPlace('bn_count', 'a + 1', this.numBatchesTracked, []);
    const batchStats = this.training || !this.runningMean;
    const useRunning = !this.training || this.trackRunningStats;
    const options = { training: batchStats, momentum: this.momentum, eps: this.eps };
    const [runningMean, runningVar] = useRunning ? [this.runningMean, this.runningVar] : [null, null];
    return epilogue
      ? batchNormAct(x, runningMean, runningVar, this.weight, this.bias, { ...options, ...epilogue })
      : batchNorm(x, runningMean, runningVar, this.weight, this.bias, options);
  }

  override extraRepr(): string {
    const b = (v: boolean) => (v ? 'True' : 'False');
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}, affine=${b(this.affine)}, track_running_stats=${b(this.trackRunningStats)}`;
  }
}

/** Over [N, C] or [N, C, L]. */
export class BatchNorm1d extends BatchNormBase {
  protected readonly ranks = [2, 3];
}

/** Over [N, C, H, W]. */
export class BatchNorm2d extends BatchNormBase {
  protected readonly ranks = [4];
}
