// One pass over a batch source, as the seed's loss_epoch/loss_batch: the summed cross-entropy of
// every batch, the number of correct top-1 predictions, an optimizer step per batch when
// training. Epoch loss and accuracy are the sums divided by the number of clips (the seed divides
// by len(dataset), even in a sanity check that stops after one batch).

import { crossEntropy, noGrad, type optim, type Tensor, tidy } from '../../engine/index.js';

export interface SourceBatch {
  /** Model input (clips or cached features); the source made it, the epoch frees it. */
  x: Tensor;
  /** Class indices, int32 [B]. */
  y: Tensor;
}

/** Where an epoch's batches come from: a DataLoader of clips, or cached per-frame features. */
export interface BatchSource {
  /** Clips in the split: the divisor of the epoch sums. */
  readonly size: number;
  readonly batchesPerEpoch: number;
  /** The batches of `epoch`, starting at batch index `from` (a resumed run). */
  batches(epoch: number, from: number): AsyncIterable<SourceBatch>;
}

/** What an epoch has summed so far; a mid-epoch checkpoint saves it. */
export interface EpochSums {
  /** Batches done. */
  batches: number;
  loss: number;
  correct: number;
  clips: number;
  /** Seconds spent waiting for the source, and in all. */
  waitSeconds: number;
  seconds: number;
}

export const emptySums = (): EpochSums => ({ batches: 0, loss: 0, correct: 0, clips: 0, waitSeconds: 0, seconds: 0 });

export interface EpochOptions {
  forward: (x: Tensor) => Tensor;
  /** Present when training: zero_grad, backward, step after each batch. */
  optimizer?: optim.Optimizer<optim.BaseOptions>;
  /** Stop after one batch (the seed's sanity_check). */
  sanityCheck?: boolean;
  /** Sums carried over from a checkpoint taken mid-epoch. */
  resume?: EpochSums;
  /** After each batch; returning 'stop' ends the epoch early (Ctrl-C), the sums say how far it got. */
  afterBatch?: (sums: EpochSums) => Promise<'stop' | void> | 'stop' | void;
}

export interface EpochResult {
  sums: EpochSums;
  /** False when afterBatch stopped it. */
  complete: boolean;
}

/** Runs the batches of `epoch` through the model; returns the summed loss, correct count and timings. */
export async function runEpoch(source: BatchSource, epoch: number, o: EpochOptions): Promise<EpochResult> {
  const sums = { ...(o.resume ?? emptySums()) };
  const started = performance.now() - sums.seconds * 1000;
  let waitStart = performance.now();
  for await (const { x, y } of source.batches(epoch, sums.batches)) {
    sums.waitSeconds += (performance.now() - waitStart) / 1000;
    const [loss, correct] = step(x, y, o);
    const clips = y.shape[0]!;
    x.dispose();
    y.dispose();
    const [lossValue, correctValue] = await Promise.all([loss.item(), correct.item()]);
    loss.dispose();
    correct.dispose();
    sums.batches++;
    sums.loss += lossValue;
    sums.correct += correctValue;
    sums.clips += clips;
    sums.seconds = (performance.now() - started) / 1000;
    const stopped = (await o.afterBatch?.(sums)) === 'stop';
    if (o.sanityCheck) break;
    if (stopped) return { sums, complete: false };
    waitStart = performance.now();
  }
  return { sums, complete: true };
}

/** One batch: the summed loss and the correct-prediction count, both as 0-d tensors; a step when training. */
function step(x: Tensor, y: Tensor, o: EpochOptions): [Tensor, Tensor] {
  const run = () => tidy(() => {
    const logits = o.forward(x);
    const loss = crossEntropy(logits, y, { reduction: 'sum' });
    const correct = noGrad(() => logits.argmax(1).eq(y).to('int32').sum());
    if (o.optimizer) {
      o.optimizer.zeroGrad();
      loss.backward();
      o.optimizer.step();
    }
    return [loss.detach(), correct] as [Tensor, Tensor];
  });
  return o.optimizer ? run() : noGrad(run);
}
