// The training job's settings: the seed's train_val defaults, parsed from kebab-case options
// (`npm run train:hmdb -- --epochs 20 …`), each bad value refused naming the option.

import { parseArgs } from 'node:util';

export interface TrainOptions {
  /** Videos in class folders: prepared into `frames` first (resumable). */
  data?: string;
  /** A prepared frames folder (prepare.json, split.json, <class>/<clip>/frameNN.jpg). */
  frames?: string;
  /** Where weights_rnn.pt, its class map, history.json, the plot and checkpoints go. */
  out: string;
  epochs: number;
  batchSize: number;
  lr: number;
  framesPerClip: number;
  imageSize: number;
  /** prepare's class selection: a count (first N sorted) or names. */
  classes?: string;
  /** 'stratified' or 'official:1|2|3' (with splitsDir). */
  split: string;
  splitsDir?: string;
  testSize: number;
  freezeBackbone: boolean;
  /** Random flip and translation of training clips (the seed's transforms). */
  augment: boolean;
  seed: number;
  workers?: number;
  resume: boolean;
  sanityCheck: boolean;
  seedCompat: boolean;
  bnStats: 'frames' | 'time-step';
  /** 'IMAGENET1K_V1', a .pth/.pt/.safetensors path, or 'none' (random init). */
  backboneWeights: string;
  /** A mid-epoch checkpoint every this many training steps (0: only after each epoch). */
  checkpointEvery: number;
  progress: boolean;
  /** Set by the no-argument demo: what it chose and why, printed at the start. */
  demo?: { reasons: string[] };
}

export const TRAIN_DEFAULTS: TrainOptions = {
  out: 'models', epochs: 20, batchSize: 8, lr: 3e-5, framesPerClip: 16, imageSize: 112, split: 'stratified', testSize: 0.1,
  freezeBackbone: false, augment: true, seed: 0, resume: false, sanityCheck: false, seedCompat: false, bnStats: 'frames',
  backboneWeights: 'IMAGENET1K_V1', checkpointEvery: 50, progress: true,
};

export const TRAIN_USAGE = `usage: npm run train:hmdb -- [--data <videos dir> | --frames <frames dir>] [options]

Trains the seed's Resnt18Rnn (ImageNet ResNet18 per frame → LSTM(100) → dropout 0.1 → linear) with Adam and
ReduceLROnPlateau, keeping the weights with the lowest validation loss. With no --data/--frames it runs the
offline demo on synthetic clips it makes under data/demo/.

  --data DIR             class folders of videos (HMDB51's layout); prepared into --frames (default DIR-frames) first
  --frames DIR           a folder made by npm run prepare:hmdb (used with its saved split)
  --out DIR              weights_rnn.pt, weights_rnn.classes.json, history.json, history.svg/.png, checkpoints (default models)
  --epochs N             default 20
  --batch-size N         clips per batch (default 8)
  --lr X                 Adam's learning rate (default 3e-5)
  --frames-per-clip N    default 16
  --image-size N         frames are resized to N x N (default 112)
  --classes SPEC         a number (the first N classes, sorted) or names a,b,c (when preparing)
  --split S              stratified (default) or official:1|2|3 (with --splits-dir, when preparing)
  --splits-dir DIR       HMDB51's testTrainMulti_7030_splits folder
  --test-size F          validation fraction of the stratified split (default 0.1)
  --freeze-backbone      train only the LSTM and the classifier; ResNet18 stays in eval mode
  --no-augment           no random flip/translation of training clips
  --seed N               initialisation, shuffling, augmentation and dropout (default 0)
  --workers N            data-loading threads (default: cores - 1)
  --resume               continue from <out>/checkpoint.pt where it stopped
  --sanity-check         one batch per epoch
  --seed-compat          the reference forward exactly (clips of a batch share the LSTM state; BN per time step)
  --bn-stats S           frames (default) or time-step: BatchNorm's training statistics
  --backbone-weights W   IMAGENET1K_V1 (default), a .pth/.pt/.safetensors file, or none
  --checkpoint-every N   also checkpoint every N training steps (default 50; 0: after each epoch only)
  --no-progress          no progress bars
  --help                 this text
`;

export class OptionError extends Error {}

function int(name: string, v: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new OptionError(`--${name} must be an integer from ${min} to ${max}, got '${v}'`);
  return n;
}

function positive(name: string, v: string): number {
  const n = Number(v);
  if (!(n > 0) || !Number.isFinite(n)) throw new OptionError(`--${name} must be a positive number, got '${v}'`);
  return n;
}

/** Parses the CLI's arguments; `help` when --help was asked for. */
export function parseTrainArgs(argv: string[]): { options: TrainOptions; help: boolean; explicit: Set<string> } {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        data: { type: 'string' }, frames: { type: 'string' }, out: { type: 'string' }, epochs: { type: 'string' },
        'batch-size': { type: 'string' }, lr: { type: 'string' }, 'frames-per-clip': { type: 'string' },
        'image-size': { type: 'string' }, classes: { type: 'string' }, split: { type: 'string' }, 'splits-dir': { type: 'string' },
        'test-size': { type: 'string' }, 'freeze-backbone': { type: 'boolean' }, 'no-augment': { type: 'boolean' },
        seed: { type: 'string' }, workers: { type: 'string' }, resume: { type: 'boolean' }, 'sanity-check': { type: 'boolean' },
        'seed-compat': { type: 'boolean' }, 'bn-stats': { type: 'string' }, 'backbone-weights': { type: 'string' },
        'checkpoint-every': { type: 'string' }, 'no-progress': { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    throw new OptionError(`${(e as Error).message} (try --help)`);
  }
  const o: TrainOptions = { ...TRAIN_DEFAULTS };
  const s = (k: string) => values[k] as string | undefined;
  if (s('data') !== undefined) o.data = s('data');
  if (s('frames') !== undefined) o.frames = s('frames');
  if (s('out') !== undefined) o.out = s('out')!;
  if (s('epochs') !== undefined) o.epochs = int('epochs', s('epochs')!, 1, 100000);
  if (s('batch-size') !== undefined) o.batchSize = int('batch-size', s('batch-size')!, 1, 4096);
  if (s('lr') !== undefined) o.lr = positive('lr', s('lr')!);
  if (s('frames-per-clip') !== undefined) o.framesPerClip = int('frames-per-clip', s('frames-per-clip')!, 1, 1000);
  if (s('image-size') !== undefined) o.imageSize = int('image-size', s('image-size')!, 32, 1024);
  if (s('classes') !== undefined) o.classes = s('classes');
  if (s('split') !== undefined) o.split = s('split')!;
  if (s('splits-dir') !== undefined) o.splitsDir = s('splits-dir');
  if (s('test-size') !== undefined) {
    o.testSize = Number(s('test-size'));
    if (!(o.testSize > 0 && o.testSize < 1)) throw new OptionError(`--test-size must be a fraction between 0 and 1, got '${s('test-size')}'`);
  }
  if (s('seed') !== undefined) o.seed = int('seed', s('seed')!, 0, 0xffffffff);
  if (s('workers') !== undefined) o.workers = int('workers', s('workers')!, 0, 256);
  if (s('bn-stats') !== undefined) {
    const v = s('bn-stats')!;
    if (v !== 'frames' && v !== 'time-step') throw new OptionError(`--bn-stats must be frames or time-step, got '${v}'`);
    o.bnStats = v;
  }
  if (s('backbone-weights') !== undefined) o.backboneWeights = s('backbone-weights')!;
  if (s('checkpoint-every') !== undefined) o.checkpointEvery = int('checkpoint-every', s('checkpoint-every')!, 0);
  o.freezeBackbone = values['freeze-backbone'] === true;
  o.augment = values['no-augment'] !== true;
  o.resume = values.resume === true;
  o.sanityCheck = values['sanity-check'] === true;
  o.seedCompat = values['seed-compat'] === true;
  o.progress = values['no-progress'] !== true;
  if (o.data !== undefined && o.data === o.frames) throw new OptionError('--data and --frames must be different folders (videos in, frames out)');
  if (!/^(stratified|official:[123])$/.test(o.split)) throw new OptionError(`--split must be stratified or official:1, official:2 or official:3, got '${o.split}'`);
  if (o.split.startsWith('official') && !o.splitsDir && o.data !== undefined) throw new OptionError(`--split ${o.split} needs --splits-dir <testTrainMulti_7030_splits folder>`);
  const explicit = new Set(Object.keys(values).filter((k) => values[k] !== undefined));
  return { options: o, help: values.help === true, explicit };
}
