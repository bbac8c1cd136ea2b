// The HMDB51 training job behind `npm run train:hmdb`: frames folder (prepared from --data when
// needed) → datasets and loaders → Resnt18Rnn (ImageNet backbone when available) → Adam +
// ReduceLROnPlateau → trainVal, with the best weights, class map, history, plot and checkpoints in
// --out. Ctrl-C (or an aborted signal) saves a checkpoint first; --resume continues from it.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { manualSeed, optim } from '../../engine/index.js';
import { loadWeightsFile, Resnt18Rnn } from '../../models/index.js';
import { VideoDataset } from '../dataset.js';
import { DataLoader } from '../loader.js';
import { ProgressBar } from '../progress.js';
import { CHECKPOINT_FILE, type CheckpointSettings, loadCheckpoint, restoreCheckpoint, saveCheckpoint } from './checkpoint.js';
import type { BatchSource } from './epoch.js';
import { cachedFeatures, FEATURES_DIR, featureKey, storeFeatures } from './feature-cache.js';
import { ensureFramesFolder, framesDirFor } from './frames-folder.js';
import type { TrainOptions } from './options.js';
import { type ClassMap, HISTORY_PLOT, WEIGHTS_FILE, writeBestWeights, writeHistory } from './outputs.js';
import { writeHistoryPlot } from './plot-history.js';
import { ClipSource, computeClipFeatures, FeatureSource } from './sources.js';
import { type EpochReport, initialState, type TrainState, trainVal } from './train-val.js';

export interface TrainJobResult {
  /** False when interrupted (a checkpoint was saved; --resume continues). */
  finished: boolean;
  state: TrainState;
  out: string;
  weights: string;
  classes: string[];
}

export interface TrainJobIo {
  log?: (line: string) => void;
  /** Aborting stops the run after the current batch, with a checkpoint. */
  signal?: AbortSignal;
}

/**
 * Runs a write of `path`, turning a failure (a full disk, a folder in the way) into a message that
 * says what was kept: every file is written to a temporary name and renamed, so the last good
 * version is still there.
 */
async function writing<T>(path: string, what: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (e) {
    throw new Error(`could not write the ${what} to ${path} (${(e as Error).message}); the previous ${what} there is intact. `
      + 'Free some disk space (or fix the folder) and continue with --resume');
  }
}

/** The settings a checkpoint must share with a resumed run (see checkpoint.ts). */
function checkpointSettings(o: TrainOptions, frames: string, classes: string[]): CheckpointSettings {
  return {
    frames, classes: classes.join(','), batchSize: o.batchSize, lr: o.lr, framesPerClip: o.framesPerClip, imageSize: o.imageSize,
    freezeBackbone: o.freezeBackbone, augment: o.augment, seed: o.seed, seedCompat: o.seedCompat, bnStats: o.bnStats,
    backboneWeights: o.backboneWeights, sanityCheck: o.sanityCheck,
  };
}

export async function trainHmdb(o: TrainOptions, io: TrainJobIo = {}): Promise<TrainJobResult> {
  const log = io.log ?? ((line: string) => console.log(line));
  const framesDir = framesDirFor(o);
  const split = await ensureFramesFolder(o, framesDir, log, io.signal);
  mkdirSync(o.out, { recursive: true });
  const datasetOptions = { root: framesDir, frames: o.framesPerClip, size: o.imageSize, seed: o.seed };
  const trainSet = new VideoDataset({ ...datasetOptions, split: 'train', augment: o.augment });
  const valSet = new VideoDataset({ ...datasetOptions, split: 'test', augment: false });
  if (trainSet.length === 0 || valSet.length === 0) {
    throw new Error(`the split in ${framesDir} has ${trainSet.length} training and ${valSet.length} validation clips; both need at least one (more clips per class, or another --test-size)`);
  }
  const workers = o.workers;
  const trainLoader = new DataLoader(trainSet, { batchSize: o.batchSize, shuffle: true, seed: o.seed, numWorkers: workers });
  const valLoader = new DataLoader(valSet, { batchSize: 2 * o.batchSize, shuffle: false, numWorkers: workers });

  manualSeed(o.seed);
  const pretrained = o.backboneWeights === 'none' ? false : o.backboneWeights;
  const model = await Resnt18Rnn.create({ numClasses: split.classes.length, pretrained, seedCompat: o.seedCompat, bnStats: o.bnStats });
  if (model.pretrainedStatus === 'unavailable') {
    log('train: fetch the ImageNet backbone with `npm run download:weights` (or --backbone-weights <file>); this run starts from random weights');
  }
  if (o.freezeBackbone) model.freezeBackbone();
  const optimizer = new optim.Adam(model.parameters().filter((p) => p.requiresGrad), { lr: o.lr });
  const scheduler = new optim.ReduceLROnPlateau(optimizer, { mode: 'min', factor: 0.5, patience: 5 });

  const checkpointPath = join(o.out, CHECKPOINT_FILE);
  const settings = checkpointSettings(o, framesDir, split.classes);
  let state = initialState();
  let resumeBest;
  if (o.resume) {
    const c = await loadCheckpoint(checkpointPath, settings);
    restoreCheckpoint(c, { model, optimizer, scheduler });
    state = c.state;
    if (state.bestEpoch >= 0) resumeBest = await loadWeightsFile(join(o.out, WEIGHTS_FILE));
    log(`train: resumed from ${checkpointPath} at epoch ${state.epoch}, batch ${state.trainSums.batches}`);
  }

  // Cached features: a frozen backbone in eval mode maps each (unaugmented) clip to the same features every epoch.
  let train: BatchSource;
  let val: BatchSource;
  let forward = (x: Parameters<Resnt18Rnn['forward']>[0]) => model.call(x);
  if (o.freezeBackbone && !o.augment) {
    const cache = async (set: VideoDataset, what: string) => {
      const key = await featureKey(model, set);
      const shape = { clips: set.length, frames: o.framesPerClip, features: model.rnn.inputSize };
      const cached = cachedFeatures(framesDir, key, shape);
      if (cached) {
        log(`train: ResNet18 features of the ${what} clips read from ${join(framesDir, FEATURES_DIR)} (computed by an earlier run)`);
        return cached;
      }
      const started = performance.now();
      const bar = o.progress ? new ProgressBar(`features (${what})`) : undefined;
      const loader = new DataLoader(set, { batchSize: o.batchSize, shuffle: false, numWorkers: workers });
      try {
        const features = await computeClipFeatures(model, loader, (done, total) => bar?.update({ done, total, failed: 0 }));
        storeFeatures(framesDir, key, features);
        bar?.finish({ done: set.length, total: set.length, failed: 0 });
        log(`train: ResNet18 features of ${set.length} ${what} clips computed once in ${((performance.now() - started) / 1000).toFixed(1)} s (frozen backbone, no augmentation)`);
        return features;
      } finally {
        await loader.close();
      }
    };
    const trainFeatures = await cache(trainSet, 'training');
    const valFeatures = await cache(valSet, 'validation');
    train = new FeatureSource(trainFeatures, trainSet.labels, (e) => trainLoader.batchIndices(e));
    val = new FeatureSource(valFeatures, valSet.labels, (e) => valLoader.batchIndices(e));
    forward = (x) => model.classifyFeatures(x);
  } else {
    train = new ClipSource(trainLoader);
    val = new ClipSource(valLoader);
  }

  const classMap = (bestEpoch: number, valLoss: number): ClassMap => ({
    classes: split.classes, model: 'Resnt18Rnn', framesPerClip: o.framesPerClip, imageSize: o.imageSize,
    mean: trainSet.options.mean, std: trainSet.options.std, seedCompat: o.seedCompat,
    rnnHiddenSize: model.rnn.hiddenSize, rnnNumLayers: model.rnn.numLayers, bestEpoch, valLoss,
    settings: { ...settings, epochs: o.epochs },
  });
  const save = (s: TrainState) => writing(checkpointPath, 'checkpoint', () => saveCheckpoint(checkpointPath, { settings, state: s, model, optimizer, scheduler }));
  let bar: ProgressBar | undefined;
  let sinceCheckpoint = 0;

  const result = await trainVal({
    model, forward, optimizer, scheduler, train, val, epochs: o.epochs, sanityCheck: o.sanityCheck, resume: state,
    resumeBestWeights: resumeBest, log,
    onBest: async (epoch, valLoss) => {
      await writing(join(o.out, WEIGHTS_FILE), 'best weights', () => writeBestWeights(o.out, model, classMap(epoch, valLoss)));
    },
    beforeEpoch: (s) => {
      bar = o.progress ? new ProgressBar(`epoch ${s.epoch}`) : undefined;
    },
    afterBatch: async (s, _phase, sums) => {
      bar?.update({ done: sums.clips, total: train.size, failed: 0 });
      if (io.signal?.aborted) {
        await save(s);
        bar?.log(`train: stopped; checkpoint saved in ${checkpointPath} (epoch ${s.epoch}, batch ${sums.batches}); continue with --resume`);
        return 'stop';
      }
      if (o.checkpointEvery > 0 && ++sinceCheckpoint >= o.checkpointEvery) {
        sinceCheckpoint = 0;
        await save(s);
      }
      return undefined;
    },
    afterEpoch: async (s, r: EpochReport) => {
      bar?.finish({ done: r.train.clips, total: train.size, failed: 0 });
      bar = undefined;
      const seconds = r.train.seconds + r.val.seconds;
      const wait = r.train.seconds > 0 ? r.train.waitSeconds / r.train.seconds : 0;
      log(`epoch ${r.epoch}: ${seconds.toFixed(1)} s, ${(r.train.clips / Math.max(r.train.seconds, 1e-9)).toFixed(2)} clips/s training, `
        + `waiting for data ${(100 * wait).toFixed(0)} % of the training time; train accuracy ${(100 * r.trainAccuracy).toFixed(2)}`);
      writeHistory(o.out, s.history);
      await writeHistoryPlot(join(o.out, HISTORY_PLOT), s.history, `Resnt18Rnn on ${split.classes.length} classes`, o.epochs);
      await save(s);
      sinceCheckpoint = 0;
    },
  });
  await Promise.all([trainLoader.close(), valLoader.close()]);
  return { finished: result.finished, state: result.state, out: o.out, weights: join(o.out, WEIGHTS_FILE), classes: split.classes };
}
