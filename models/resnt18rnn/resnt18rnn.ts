// The seed's video classifier: ResNet18 on every frame (fc replaced by Identity → 512 features)
// → LSTM → dropout → fc1, with the reference's state-dict keys (`baseModel.*`,
// `rnn.weight_ih_l0` …, `fc1.*`). All B·T frames go through the CNN as one batch.
//
// Two ways to feed the LSTM (see models/README.md):
//  - default: each clip is its own sequence of T frames (what the method intends);
//  - seedCompat: the reference's computation exactly. Its forward loops over time steps and calls a
//    non-batch-first LSTM on y.unsqueeze(1), a sequence of the B clips with batch 1, carrying (h, c)
//    from step to step: one sequence of length T·B in (t, b) order, whose last B outputs are the
//    logits' inputs. Clips of a batch leak into each other; at B = 1 both ways agree.
// BatchNorm's training statistics are per time step in seedCompat (the reference's CNN sees B
// frames at a time) and, in the default mode, over all B·T frames unless bnStats: 'time-step'.

import { nn, type Tensor } from '../../engine/index.js';
import { loadPretrained, type PretrainedStatus } from '../pretrained.js';
import { ResNet } from '../resnet/resnet.js';
import { BasicBlock } from '../resnet/blocks.js';
import { setBatchNormTimeSteps, TimeStepBatchNorm2d } from './time-step-batchnorm.js';

export interface Resnt18RnnOptions {
  numClasses: number;
  /** Dropout before fc1 (default 0.1). */
  drRate?: number;
  /**
   * ImageNet weights for baseModel (default true: 'IMAGENET1K_V1'); a weights name or a local
   * .pth/.pt/.safetensors path also works. Unavailable weights are reported once and the model
   * continues from random initialisation; `await model.ready` before the first forward.
   */
  pretrained?: boolean | string;
  rnnNumLayers?: number;
  rnnHiddenSize?: number;
  /** Reproduce the reference forward exactly (clips leak through the LSTM state; BN stats per time step). */
  seedCompat?: boolean;
  /** Default mode only: BN training statistics over all B·T frames ('frames', default) or per time step. */
  /** Recompute each ResNet18 block in backward instead of keeping its activations (ResNetOptions.checkpointBlocks). */
  checkpointBlocks?: boolean;
  bnStats?: 'frames' | 'time-step';
}

export class Resnt18Rnn extends nn.Module<[Tensor], Tensor> {
  baseModel: ResNet;
  dropout: nn.Dropout;
  rnn: nn.LSTM;
  fc1: nn.Linear;

  readonly numClasses: number;
  readonly seedCompat: boolean;
  readonly bnStats: 'frames' | 'time-step';
  /** Resolves once the pretrained weights are in (or known to be unavailable). */
  readonly ready: Promise<this>;
  /** What happened to the pretrained weights: 'none' requested, 'loading', 'loaded' or 'unavailable'. */
  pretrainedStatus: PretrainedStatus;
  private frozen = false;

  constructor(options: Resnt18RnnOptions) {
    super();
    const { numClasses } = options;
    const drRate = options.drRate ?? 0.1;
    const layers = options.rnnNumLayers ?? 1;
    const hidden = options.rnnHiddenSize ?? 100;
    if (!Number.isInteger(numClasses) || numClasses < 1) throw new Error(`Resnt18Rnn: numClasses must be a positive integer, got ${String(numClasses)}`);
    if (options.bnStats !== undefined && !['frames', 'time-step'].includes(options.bnStats)) {
      throw new Error(`Resnt18Rnn: bnStats must be 'frames' or 'time-step', got '${String(options.bnStats)}'`);
    }
    this.numClasses = numClasses;
    this.seedCompat = options.seedCompat ?? false;
    this.bnStats = this.seedCompat ? 'time-step' : options.bnStats ?? 'frames';
    this.baseModel = new ResNet(BasicBlock, [2, 2, 2, 2], { normLayer: (c) => new TimeStepBatchNorm2d(c), checkpointBlocks: options.checkpointBlocks ?? false });
    const numFeatures = (this.baseModel.fc as nn.Linear).inFeatures;
    this.baseModel.fc = new nn.Identity();
    this.dropout = new nn.Dropout(drRate);
    this.rnn = new nn.LSTM(numFeatures, hidden, { numLayers: layers });
    this.fc1 = new nn.Linear(hidden, numClasses);

    const pretrained = options.pretrained ?? true;
    if (pretrained === false) {
      this.pretrainedStatus = 'none';
      this.ready = Promise.resolve(this);
    } else {
      this.pretrainedStatus = 'loading';
      const weights = pretrained === true ? 'IMAGENET1K_V1' : pretrained;
      this.ready = loadPretrained(this.baseModel, 'resnet18', weights, { dropKeys: ['fc.weight', 'fc.bias'] })
        .then((status) => {
          this.pretrainedStatus = status;
          return this;
        });
    }
  }

  /** x: [B, T, 3, H, W] clips → logits [B, numClasses]. */
  forward(x: Tensor): Tensor {
    const features = this.clipFeatures(x);
    const logits = this.classifyFeatures(features);
    features.dispose();
    return logits;
  }

  /** The CNN half: clips [B, T, 3, H, W] → per-frame features [B, T, 512], all B·T frames as one batch. */
  clipFeatures(x: Tensor): Tensor {
    if (this.pretrainedStatus === 'loading') {
      throw new Error('Resnt18Rnn: the pretrained weights are still loading; `await model.ready` (or use getModel / Resnt18Rnn.create) before the first forward');
    }
    if (x.rank !== 5 || x.shape[2] !== 3) {
      throw new Error(`Resnt18Rnn: expected clips [B, T, 3, H, W], got [${x.shape.join(', ')}]; a single clip [T, 3, H, W] needs unsqueeze(0)`);
    }
    const [B, T, C, H, W] = x.shape as [number, number, number, number, number];
    setBatchNormTimeSteps(this.baseModel, this.baseModel.training && this.bnStats === 'time-step' ? T : 1);
    const frames = x.reshape([B * T, C, H, W]);
    const features = this.baseModel.forward(frames);
    frames.dispose();
    const clips = features.reshape([B, T, -1]);
    features.dispose();
    return clips;
  }

  /**
   * The sequence half: per-frame features [B, T, 512] → logits [B, numClasses]. With a frozen
   * backbone, features computed once (clipFeatures in eval mode) can be trained on directly.
   */
  classifyFeatures(features: Tensor): Tensor {
    if (features.rank !== 3 || features.shape[2] !== this.rnn.inputSize) {
      throw new Error(`Resnt18Rnn: expected features [B, T, ${this.rnn.inputSize}], got [${features.shape.join(', ')}]`);
    }
    const [B, T] = features.shape as [number, number, number];
    const last = this.seedCompat ? this.lastStepSeedCompat(features, B, T) : this.lastStepPerClip(features, B, T);
    const dropped = this.dropout.call(last);
    last.dispose();
    const logits = this.fc1.call(dropped);
    dropped.dispose();
    return logits;
  }

  /** Whether baseModel is frozen: no gradients, and eval mode (running BN statistics) even when the model trains. */
  get backboneFrozen(): boolean {
    return this.frozen;
  }

  /** Freezes (or unfreezes) baseModel, as fine-tuning only the LSTM and fc1 does. */
  freezeBackbone(frozen = true): this {
    this.frozen = frozen;
    for (const p of this.baseModel.parameters()) p.requiresGrad = !frozen;
    return this.train(this.training);
  }

  override train(mode = true): this {
    super.train(mode);
    if (this.frozen) this.baseModel.eval();
    return this;
  }

  /** Each clip its own sequence: LSTM over [T, B, F], the output of step T−1 → [B, H]. */
  private lastStepPerClip(features: Tensor, B: number, T: number): Tensor {
    return this.lastOutputs(features.transpose(0, 1), T - 1, 1);
  }

  /** The reference: one sequence of T·B frames in (t, b) order, batch 1; its last B outputs → [B, H]. */
  private lastStepSeedCompat(features: Tensor, B: number, T: number): Tensor {
    const byTime = features.transpose(0, 1);
    const sequence = byTime.reshape([T * B, 1, -1]);
    byTime.dispose();
    return this.lastOutputs(sequence, (T - 1) * B, B);
  }

  /** Runs the LSTM over `sequence` (freed): its outputs [start, start + count) along time, as [B, H]. */
  private lastOutputs(sequence: Tensor, start: number, count: number): Tensor {
    const [output, [h, c]] = this.rnn.call(sequence);
    const picked = output.narrow(0, start, count);
    const last = picked.reshape([-1, this.rnn.hiddenSize]);
    for (const t of [sequence, h, c, output, picked]) t.dispose();
    return last;
  }

  /** Constructs and waits for the pretrained weights: `const model = await Resnt18Rnn.create({ numClasses: 51 })`. */
  static create(options: Resnt18RnnOptions): Promise<Resnt18Rnn> {
    return new Resnt18Rnn(options).ready;
  }
}
