// trainVal: the seed's train_val loop. Per epoch: train (Adam step per batch), evaluate without
// gradients, keep the weights with the lowest validation loss (and hand them to onBest, which
// saves them), step ReduceLROnPlateau on the validation loss and, when it lowered the learning
// rate, reload the best weights. At the end the model holds the best weights.
//
// Everything the loop knows lives in a TrainState, which a checkpoint saves after every epoch
// and every few steps; given back as `resume`, the loop continues exactly where it stopped.

import { keep, type nn, noGrad, type optim, type Tensor } from '../../engine/index.js';
import { type BatchSource, emptySums, type EpochSums, runEpoch } from './epoch.js';

export interface History {
  loss_hist: { train: number[]; val: number[] };
  metric_hist: { train: number[]; val: number[] };
  /** The learning rate each epoch ran with. */
  lr: number[];
  /** Seconds per epoch, train and val together. */
  seconds: number[];
}

export interface TrainState {
  /** The epoch running (or next to run) and where its training pass stands. */
  epoch: number;
  trainSums: EpochSums;
  history: History;
  /** Lowest validation loss so far (Infinity before the first epoch). */
  bestLoss: number;
  bestEpoch: number;
}

export interface EpochReport {
  epoch: number;
  epochs: number;
  lr: number;
  train: EpochSums;
  val: EpochSums;
  trainLoss: number;
  trainAccuracy: number;
  valLoss: number;
  valAccuracy: number;
  improved: boolean;
  lrReduced: boolean;
}

export interface TrainValParams {
  model: nn.Module<never[], unknown>;
  /** The model's forward on a source batch (model.call for clips, classifyFeatures for cached features). */
  forward: (x: Tensor) => Tensor;
  optimizer: optim.Optimizer<optim.BaseOptions>;
  scheduler: optim.ReduceLROnPlateau;
  train: BatchSource;
  val: BatchSource;
  epochs: number;
  /** One batch per epoch, train and val (the seed's sanity_check). */
  sanityCheck?: boolean;
  /** Continue from a checkpoint's state (model, optimizer and scheduler already restored). */
  resume?: TrainState;
  /** The best weights so far, when resuming (needed if the learning rate drops again). */
  resumeBestWeights?: Map<string, Tensor>;
  log?: (line: string) => void;
  /** A new best: save the weights. */
  onBest?: (epoch: number, valLoss: number) => Promise<void>;
  /** As an epoch's training pass starts (or resumes). */
  beforeEpoch?: (state: TrainState) => void;
  /** After each training batch, with the state so far; 'stop' ends the run (its state is resumable). */
  afterBatch?: (state: TrainState, phase: 'train', sums: EpochSums) => Promise<'stop' | void>;
  /** After each epoch: history, plot, checkpoint. */
  afterEpoch?: (state: TrainState, report: EpochReport) => Promise<void>;
}

export interface TrainValResult {
  state: TrainState;
  /** False when afterBatch stopped the run. */
  finished: boolean;
}

export const emptyHistory = (): History => ({ loss_hist: { train: [], val: [] }, metric_hist: { train: [], val: [] }, lr: [], seconds: [] });

export function initialState(): TrainState {
  return { epoch: 0, trainSums: emptySums(), history: emptyHistory(), bestLoss: Number.POSITIVE_INFINITY, bestEpoch: -1 };
}

/** Python's float repr, so "current lr=3e-05" reads as the seed prints it. */
export function pyFloat(v: number): string {
  if (Number.isInteger(v) && Math.abs(v) < 1e16) return `${v}.0`;
  const abs = Math.abs(v);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e16)) {
    const [m, e] = v.toExponential().split('e') as [string, string];
    const exp = Number(e);
    return `${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  return String(v);
}

/** A copy of every state-dict tensor (the seed's copy.deepcopy(model.state_dict())). */
export function copyStateDict(model: nn.Module<never[], unknown>): Map<string, Tensor> {
  return noGrad(() => new Map([...model.stateDict()].map(([k, t]) => [k, keep(t.clone())])));
}

export function disposeStateDict(sd: Map<string, Tensor> | undefined): void {
  for (const t of sd?.values() ?? []) t.dispose();
}

export async function trainVal(p: TrainValParams): Promise<TrainValResult> {
  const log = p.log ?? ((line: string) => console.log(line));
  const state: TrainState = p.resume ? structuredClone(p.resume) : initialState();
  let bestWeights = p.resumeBestWeights ?? (state.bestEpoch >= 0 ? undefined : copyStateDict(p.model));
  const currentLr = () => p.optimizer.paramGroups[0]!.lr;
  try {
    for (; state.epoch < p.epochs; state.epoch++) {
      const epoch = state.epoch;
      const lr = currentLr();
      if (state.trainSums.batches === 0) log(`Epoch ${epoch}/${p.epochs - 1}, current lr=${pyFloat(lr)}`);
      else log(`Epoch ${epoch}/${p.epochs - 1}, current lr=${pyFloat(lr)} (resumed at batch ${state.trainSums.batches}/${p.train.batchesPerEpoch})`);
      p.model.train();
      p.beforeEpoch?.(state);
      const train = await runEpoch(p.train, epoch, {
        forward: p.forward, optimizer: p.optimizer, sanityCheck: p.sanityCheck, resume: state.trainSums,
        afterBatch: (sums) => {
          state.trainSums = sums;
          return p.afterBatch?.(state, 'train', sums);
        },
      });
      state.trainSums = train.sums;
      if (!train.complete) return { state, finished: false };
      p.model.eval();
      const val = await runEpoch(p.val, epoch, { forward: p.forward, sanityCheck: p.sanityCheck });
      const trainLoss = train.sums.loss / p.train.size;
      const trainAccuracy = train.sums.correct / p.train.size;
      const valLoss = val.sums.loss / p.val.size;
      const valAccuracy = val.sums.correct / p.val.size;
      const improved = valLoss < state.bestLoss;
      if (improved) {
        state.bestLoss = valLoss;
        state.bestEpoch = epoch;
        disposeStateDict(bestWeights);
        bestWeights = copyStateDict(p.model);
        await p.onBest?.(epoch, valLoss);
        log('Copied best model weights!');
      }
      const h = state.history;
      h.loss_hist.train.push(trainLoss);
      h.loss_hist.val.push(valLoss);
      h.metric_hist.train.push(trainAccuracy);
      h.metric_hist.val.push(valAccuracy);
      h.lr.push(lr);
      h.seconds.push(train.sums.seconds + val.sums.seconds);
      p.scheduler.step(valLoss);
      const lrReduced = currentLr() !== lr;
      if (lrReduced && bestWeights) {
        log('Loading best model weights!');
        p.model.loadStateDict(bestWeights);
      }
      log(`train loss: ${trainLoss.toFixed(6)}, dev loss: ${valLoss.toFixed(6)}, accuracy: ${(100 * valAccuracy).toFixed(2)}`);
      state.epoch = epoch + 1;
      state.trainSums = emptySums();
      await p.afterEpoch?.(state, {
        epoch, epochs: p.epochs, lr, train: train.sums, val: val.sums, trainLoss, trainAccuracy, valLoss, valAccuracy, improved, lrReduced,
      });
      state.epoch = epoch; // the loop's increment moves it on
      log('-'.repeat(10));
    }
    if (bestWeights) p.model.loadStateDict(bestWeights);
    return { state, finished: true };
  } finally {
    disposeStateDict(bestWeights);
  }
}
