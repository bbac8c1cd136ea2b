// BatchNorm2d whose training statistics can be taken per time step of a clip batch.
//
// The seed's Resnt18Rnn runs its CNN once per time step on the B frames of that step, so in
// training each BatchNorm normalizes with statistics over those B frames only, and updates its
// running statistics T times per batch. We run all B·T frames as one batch (clip-major: frame
// b·T + t) and get the same numbers in one kernel set: viewing [B·T, C, H, W] as [B, T·C, H, W]
// makes every (t, c) pair its own channel, normalized over (b, h, w). The T sequential running
// updates r ← (1−m)·r + m·s_t fold into one: r ← (1−m)^T·r + Σ_t m(1−m)^(T−1−t)·s_t.

// forward(x, { relu, residual }) fuses as BatchNorm2d's does (registered with the residual blocks):
// the residual is grouped as x is.

import { batchNormAct, type BatchNormActOptions, nn, noGrad, type Tensor, tensor, zeros } from '../../engine/index.js';
import { registerFusingNorm } from '../resnet/blocks.js';
import { registerFoldableNorm } from '../resnet/folded.js';

export class TimeStepBatchNorm2d extends nn.BatchNorm2d {
  /** Frames per clip T when training statistics are per time step; 1 = over the whole batch. */
  timeSteps = 1;

  /** Prints and errors as PyTorch's BatchNorm2d: the state dict and behaviour are the same. */
  override get name(): string {
    return 'BatchNorm2d';
  }

  override forward(x: Tensor, epilogue?: Pick<BatchNormActOptions, 'residual' | 'relu'>): Tensor {
    const T = this.timeSteps;
    if (!this.training || T === 1) return super.forward(x, epilogue);
    const [N, C, H, W] = x.shape as [number, number, number, number];
    if (x.rank !== 4 || C !== this.numFeatures || N % T !== 0) {
      throw new Error(`BatchNorm2d (per time step): expected [B·T, ${this.numFeatures}, H, W] with T = ${T} frames per clip, got [${x.shape.join(', ')}]`);
    }
    const perStep = (t: Tensor | null) => {
      if (!t) return null;
      const row = t.unsqueeze(0);
      const rows = row.expand([T, C]);
      const flat = rows.reshape([T * C]);
      row.dispose();
      rows.dispose();
      return flat;
    };
    const weight = perStep(this.weight);
    const bias = perStep(this.bias);
    const track = this.runningMean !== null && this.runningVar !== null;
    // momentum 1 leaves each group's batch mean and unbiased variance in these, as PyTorch would use them.
    const stepMean = track ? zeros([T * C]) : null;
    const stepVar = track ? zeros([T * C]) : null;
    const channels = x.reshape([N / T, T * C, H, W]);
    const residual = epilogue?.residual?.reshape([N / T, T * C, H, W]);
    const grouped = batchNormAct(channels, stepMean, stepVar, weight, bias,
      { training: true, momentum: 1, eps: this.eps, relu: epilogue?.relu ?? false, ...(residual ? { residual } : {}) });
    const y = grouped.reshape([N, C, H, W]);
    for (const t of [channels, residual, grouped, weight, bias]) t?.dispose();
    if (track) {
      this.foldRunning(this.runningMean!, stepMean!, T, C);
      this.foldRunning(this.runningVar!, stepVar!, T, C);
      stepMean!.dispose();
      stepVar!.dispose();
      if (this.numBatchesTracked) {
        const counted = this.numBatchesTracked.add(T);
        this.numBatchesTracked.copy_(counted);
        counted.dispose();
      }
    }
    return y;
  }

  private foldRunning(running: Tensor, steps: Tensor, T: number, C: number): void {
    const m = this.momentum;
    noGrad(() => {
      const weights = tensor(Array.from({ length: T }, (_, t) => m * (1 - m) ** (T - 1 - t)), { shape: [1, T] });
      const perStep = steps.reshape([T, C]);
      const product = weights.matmul(perStep);
      const contribution = product.reshape([C]);
      running.mul_((1 - m) ** T).add_(contribution);
      for (const t of [weights, perStep, product, contribution]) t.dispose();
    });
  }
}

/** Sets the frames-per-clip grouping of every TimeStepBatchNorm2d in a module tree. */
export function setBatchNormTimeSteps(module: nn.Module, timeSteps: number): void {
  for (const m of module.modules()) if (m instanceof TimeStepBatchNorm2d) m.timeSteps = timeSteps;
}

registerFusingNorm(TimeStepBatchNorm2d);
// in eval it is BatchNorm2d (running statistics, per channel), so inference folds it into the conv
registerFoldableNorm(TimeStepBatchNorm2d);
