// Training in the page: the offline demo of `npm run train:hmdb` (pipeline/train/demo.ts), sized for a
// browser. The same synthetic task (pipeline/demo/synthetic.ts: three shapes, the class is their order),
// the same split (scikit-learn's StratifiedShuffleSplit, seed 42), the same idea — ResNet18 frozen, its
// per-frame features computed once, the LSTM and fc1 trained on them with Adam and ReduceLROnPlateau by
// the seed's train_val loop (pipeline/train/train-val.ts trainVal over pipeline/train/sources.ts
// FeatureSource) — with fewer, smaller clips, so that it finishes in about a minute on a software adapter.
// The 16 sampled frames are rendered straight to RGB (no Motion-JPEG round trip) and go through
// frameToTensor like every other clip.

import { manualSeed, nn, noGrad, optim, serializeTorch, type Tensor, tensor } from '../../engine/index.js';
import { Resnt18Rnn } from '../../models/resnt18rnn/resnt18rnn.js';
import { mixSeed } from '../../pipeline/dataset.js';
import { demoContentSeed } from '../../pipeline/demo/make-demo.js';
import { DEMO_HEIGHT, DEMO_SAMPLED_FRAMES, DEMO_WIDTH, demoClassNames, demoOrder, drawContent, planClip, renderFrame } from '../../pipeline/demo/synthetic.js';
import { RandomState } from '../../pipeline/random.js';
import { stratifiedShuffleSplit } from '../../pipeline/split.js';
import { type ClipFeatures, FeatureSource } from '../../pipeline/train/sources.js';
import type { ClassMap } from '../../pipeline/train/outputs.js';
import { type EpochReport, type History, trainVal } from '../../pipeline/train/train-val.js';
import { IMAGENET_MEAN, IMAGENET_STD } from '../../pipeline/transforms.js';
import { classifyClip, clipToInput, type Prediction, ranked } from './model.js';
import type { RgbFrame } from './video/types.js';

export interface BrowserTrainOptions {
  classes: number;
  clipsPerClass: number;
  imageSize: number;
  epochs: number;
  lr: number;
  batchSize: number;
  testSize: number;
  seed: number;
}

/** The Node demo's settings (pipeline/train/demo.ts, 3 x 40 clips at 112 px): what the page uses on a GPU. */
export const GPU_TRAIN_DEFAULTS: BrowserTrainOptions = {
  classes: 3, clipsPerClass: 40, imageSize: 112, epochs: 50, lr: 3e-4, batchSize: 8, testSize: 0.2, seed: 0,
};

/**
 * On a software adapter (SwiftShader in a browser without a GPU) ResNet18 costs ~0.3 s a frame even at 32 px,
 * so the page takes fewer, smaller clips: the class is the order of three colours, which 16 px still shows.
 */
export const SOFTWARE_TRAIN_DEFAULTS: BrowserTrainOptions = {
  classes: 3, clipsPerClass: 12, imageSize: 16, epochs: 30, lr: 1e-3, batchSize: 16, testSize: 0.25, seed: 0,
};

/** Whether an adapter (by webgrad's name for it) computes on the CPU. */
export const isSoftwareAdapter = (adapterName: string) => /swiftshader|llvmpipe|lavapipe|software|fallback/i.test(adapterName);

/** What the page prints about its choices, each against the Node demo's. */
export function reasons(o: BrowserTrainOptions, software: boolean): string[] {
  const clips = o.classes * o.clipsPerClass;
  const node = GPU_TRAIN_DEFAULTS;
  const same = (k: keyof BrowserTrainOptions) => o[k] === node[k];
  return [
    software ? 'A software adapter: ResNet18 costs 0.1-0.3 s a frame at 16-32 px on SwiftShader (measured), so the clips are fewer and smaller than the Node demo\'s (set them above).'
      : 'A GPU adapter: the Node demo\'s settings (npm run train:hmdb with no arguments).',
    `${o.classes} classes x ${o.clipsPerClass} clips${same('clipsPerClass') ? '' : ` (Node demo: 3 x ${node.clipsPerClass})`}: ${clips * DEMO_SAMPLED_FRAMES} frames through ResNet18, once.`,
    `image size ${o.imageSize}${same('imageSize') ? '' : ` (Node demo: ${node.imageSize}; ${Math.round((node.imageSize / o.imageSize) ** 2)}x fewer pixels — the three colours and their order stay visible)`}.`,
    `ResNet18 frozen and random (no ImageNet download in a page), features computed once; LSTM(100) + fc1 trained with Adam, lr ${o.lr}, ${o.epochs} epochs, batch ${o.batchSize}`
      + `${same('lr') && same('epochs') && same('batchSize') ? '' : ` (Node demo: lr ${node.lr}, ${node.epochs} epochs, batch ${node.batchSize}; fewer clips take fewer, larger steps)`}.`,
    `validation: ${Math.round(o.testSize * 100)} % of the clips, stratified (seed 42, as prepare:hmdb), ${Math.round(clips * o.testSize)} clips.`,
  ];
}

export interface TrainHooks {
  log(line: string): void;
  /** Phase and its progress (done of total). */
  progress(phase: 'features' | 'training', done: number, total: number): void;
  epoch(report: EpochReport, history: History): void;
}

export interface BrowserTrainResult {
  model: Resnt18Rnn;
  classNames: string[];
  history: History;
  bestEpoch: number;
  valAccuracy: number;
  classMap: ClassMap;
  weights: Uint8Array;
  seconds: { clips: number; features: number; training: number };
  /** A clip the model never saw, its true class and the model's ranking. */
  check: { label: string; predictions: Prediction[]; frames: RgbFrame[] };
}

/** The 16 sampled frames of demo clip `i` of a class, as packed RGB. */
function demoClip(className: string, i: number, seed: number): RgbFrame[] {
  const plan = planClip(drawContent(demoContentSeed(seed, className, i)), demoOrder(className));
  return plan.sampled.map((r) => ({ rgb: renderFrame(plan, r), width: DEMO_WIDTH, height: DEMO_HEIGHT }));
}

/**
 * What trains on cached features: the model's own LSTM, dropout and fc1 (the same modules, so the model holds
 * whatever this learns), under their state-dict names. trainVal copies the best weights of the module it is
 * given after every improvement and reloads them when the learning rate drops; given this instead of the
 * whole model, that is 0.2 M parameters rather than ResNet18's 11 M, which on a software adapter is the
 * difference between a second and a few milliseconds per epoch.
 */
class SequenceHead extends nn.Module<[Tensor], Tensor> {
  readonly #model: Resnt18Rnn;
  constructor(model: Resnt18Rnn) {
    super();
    this.#model = model;
    this.registerModule('rnn', model.rnn);
    this.registerModule('dropout', model.dropout);
    this.registerModule('fc1', model.fc1);
  }
  forward(features: Tensor): Tensor {
    return this.#model.classifyFeatures(features);
  }
}

const seconds = (from: number) => (performance.now() - from) / 1000;

/** Yields to the page so progress bars and charts paint. */
const breathe = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

export async function trainInBrowser(o: BrowserTrainOptions, hooks: TrainHooks): Promise<BrowserTrainResult> {
  // prepare:hmdb's order: classes sorted by name, clips by class then name; labels are class positions
  const classNames = demoClassNames(o.classes).sort();
  const T = DEMO_SAMPLED_FRAMES;
  const S = o.imageSize;
  const mean = IMAGENET_MEAN;
  const std = IMAGENET_STD;
  const per = T * 3 * S * S;

  const clips: Array<{ name: string; i: number }> = [];
  const labels: number[] = [];
  for (const [label, name] of classNames.entries()) {
    for (let i = 0; i < o.clipsPerClass; i++) {
      clips.push({ name, i });
      labels.push(label);
    }
  }
  const total = clips.length;
  const split = stratifiedShuffleSplit(labels, o.testSize, 42);
  hooks.log(`clips: ${total}, ${split.train.length} for training and ${split.test.length} for validation`);
  let clipSeconds = 0;

  manualSeed(o.seed);
  const model = new Resnt18Rnn({ numClasses: o.classes, pretrained: false });
  try {
    model.freezeBackbone();
    // the frozen backbone in eval mode maps each clip to the same features every epoch: compute them once
    let t = performance.now();
    const features = model.rnn.inputSize;
    const computeFeatures = async (indices: number[], done: number): Promise<ClipFeatures> => {
      const data = new Float32Array(indices.length * T * features);
      for (let b = 0; b < indices.length; b += o.batchSize) {
        const batch = indices.slice(b, b + o.batchSize);
        // rendered as needed: only the features of every clip are kept, not its pixels
        const rendered = performance.now();
        const x = new Float32Array(batch.length * per);
        batch.forEach((c, j) => x.set(clipToInput(demoClip(clips[c]!.name, clips[c]!.i, o.seed), S, mean, std), j * per));
        clipSeconds += seconds(rendered);
        const input = tensor(x, { shape: [batch.length, T, 3, S, S] });
        model.baseModel.eval();
        const y = noGrad(() => model.clipFeatures(input));
        input.dispose();
        data.set((await y.data()) as Float32Array, b * T * features);
        y.dispose();
        hooks.progress('features', done + b + batch.length, total);
      }
      return { data, clips: indices.length, frames: T, features };
    };
    const trainFeatures = await computeFeatures(split.train, 0);
    const valFeatures = await computeFeatures(split.test, split.train.length);
    const featureSeconds = seconds(t) - clipSeconds;
    hooks.log(`features: ResNet18 on ${total * T} frames (${S}x${S}) in ${featureSeconds.toFixed(1)} s, ${(featureSeconds * 1000 / (total * T)).toFixed(1)} ms a frame (rendering the clips: ${clipSeconds.toFixed(1)} s)`);

    // batches in the DataLoader's order: a seeded permutation per epoch for training, in order for validation
    const batches = (n: number, shuffle: boolean, size: number) => (epoch: number): number[][] => {
      const order = shuffle ? new RandomState(mixSeed(o.seed, epoch)).permutation(n) : Array.from({ length: n }, (_, i) => i);
      const out: number[][] = [];
      for (let i = 0; i < n; i += size) out.push(order.slice(i, i + size));
      return out;
    };
    const trainLabels = Int32Array.from(split.train, (i) => labels[i]!);
    const valLabels = Int32Array.from(split.test, (i) => labels[i]!);
    const optimizer = new optim.Adam(model.parameters().filter((p) => p.requiresGrad), { lr: o.lr });
    const scheduler = new optim.ReduceLROnPlateau(optimizer, { mode: 'min', factor: 0.5, patience: 5 });
    t = performance.now();
    const head = new SequenceHead(model);
    const { state } = await trainVal({
      model: head, forward: (x) => head.forward(x), optimizer, scheduler, epochs: o.epochs,
      train: new FeatureSource(trainFeatures, trainLabels, batches(split.train.length, true, o.batchSize)),
      val: new FeatureSource(valFeatures, valLabels, batches(split.test.length, false, 2 * o.batchSize)),
      log: (line) => { if (!line.startsWith('-')) hooks.log(line); },
      afterEpoch: async (s, report) => {
        hooks.epoch(report, s.history);
        hooks.progress('training', report.epoch + 1, o.epochs);
        await breathe();
      },
    });
    const trainingSeconds = seconds(t);
    model.eval();
    const bestEpoch = state.bestEpoch;
    const valAccuracy = state.history.metric_hist.val[bestEpoch] ?? 0;
    hooks.log(`training: ${o.epochs} epochs in ${trainingSeconds.toFixed(1)} s; best epoch ${bestEpoch} (validation loss ${state.bestLoss.toFixed(4)}, accuracy ${(valAccuracy * 100).toFixed(1)} %), its weights kept`);

    // one clip no split has seen, through the whole model (backbone included), as predict would
    const checkClass = classNames[(o.seed + 1) % classNames.length]!;
    const frames = demoClip(checkClass, o.clipsPerClass, o.seed);
    const probabilities = await classifyClip(model, clipToInput(frames, S, mean, std), T, S);
    const classMap: ClassMap = {
      classes: classNames, model: 'Resnt18Rnn', framesPerClip: T, imageSize: S, mean, std, seedCompat: false,
      rnnHiddenSize: model.rnn.hiddenSize, rnnNumLayers: model.rnn.numLayers, bestEpoch, valLoss: state.bestLoss,
      settings: { ...o, source: 'webgrad page (web/): synthetic demo, frozen random ResNet18' },
    };
    const weights = await serializeTorch(model.stateDict());
    return {
      model, classNames, history: state.history, bestEpoch, valAccuracy, classMap, weights,
      seconds: { clips: clipSeconds, features: featureSeconds, training: trainingSeconds },
      check: { label: checkClass, predictions: ranked(probabilities, classNames), frames },
    };
  } catch (e) {
    model.dispose();
    throw e;
  }
}
