// Model workloads: the training job's real sizes, end to end.
//  - `resnet18 forward`: torchvision's ResNet18 (models/resnet18) in eval mode on one batch of the
//    job, 8 clips × 16 frames = [128, 3, 112, 112], against the same network written in TF.js ops
//    (NHWC, random weights, batch norm with fixed moving statistics).
//  - `resnt18rnn train step`: Resnt18Rnn (per-clip LSTM, its default) at B = 8, T = 16: forward,
//    summed cross-entropy, backward and an Adam step, with the step's peak GPU memory.
//  - `resnt18rnn predict`: one clip [1, 16, 3, 112, 112] in eval mode, the deployment path.
// Each also names its twin in bench/pytorch_models.py, timed on PyTorch CPU in the same run: for
// Resnt18Rnn the seed's reference class (`torchMs`; its loop runs the CNN once per time step at
// batch B, which at B = 1 is slow in torch) and our per-clip forward in torch (`torchPerClipMs`).
// TF.js has no row for the train step (tfjs-core's gradients do not load in Node: see nn.ts) nor
// for predict (no ResNet18 + LSTM in TF.js here; the resnet18 row compares the CNN, which is
// nearly all of its work).
//
// These are heavy (one run of ours is seconds to tens of seconds on lavapipe, TF.js's forward at
// batch 128 tens of seconds), so each runs 1 warm-up and 3 timed runs, and one GPU-timestamp run.

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as wg from '../../engine/index.js';
import { bufferPool } from '../../engine/tensor/buffer-pool.js';
import { Resnt18Rnn, resnet18 } from '../../models/index.js';
import type { Workload } from '../harness.js';
import type { loadTfjs } from '../tfjs.js';

type Tf = NonNullable<Awaited<ReturnType<typeof loadTfjs>>>;
type TfTensor = ReturnType<Tf['randomNormal']>;
type Pad4 = [[number, number], [number, number], [number, number], [number, number]];

const CLIPS = 8;
const FRAMES = 16;
const SIZE = 112;
const NUM_CLASSES = 51;
const HIDDEN = 100;
const heavy = { warmup: 1, runs: 3, gpuRuns: 1 };

// ---------------------------------------------------------------------------------------------------
// FLOPs from the layer shapes (2 per multiply-add; BN, ReLU, pooling and adds not counted).

interface Conv { inC: number; outC: number; k: number; stride: number; padding: number; inH: number }

const outSize = (h: number, k: number, stride: number, padding: number) => Math.floor((h + 2 * padding - k) / stride) + 1;

/** torchvision resnet18's convolutions on an h×h image, in forward order (stem first). */
function resnet18Convs(h: number): Conv[] {
  const convs: Conv[] = [{ inC: 3, outC: 64, k: 7, stride: 2, padding: 3, inH: h }];
  h = outSize(outSize(h, 7, 2, 3), 3, 2, 1);  // stem, then max pool 3/2 pad 1
  let inC = 64;
  for (const [planes, stride] of [[64, 1], [128, 2], [256, 2], [512, 2]] as const) {
    for (let block = 0; block < 2; block++) {
      const s = block === 0 ? stride : 1;
      convs.push({ inC, outC: planes, k: 3, stride: s, padding: 1, inH: h });
      const ho = outSize(h, 3, s, 1);
      convs.push({ inC: planes, outC: planes, k: 3, stride: 1, padding: 1, inH: ho });
      if (s !== 1 || inC !== planes) convs.push({ inC, outC: planes, k: 1, stride: s, padding: 0, inH: h });
      inC = planes;
      h = ho;
    }
  }
  return convs;
}

const convMacs = (c: Conv) => c.outC * c.inC * c.k * c.k * outSize(c.inH, c.k, c.stride, c.padding) ** 2;

/** Multiply-adds of one frame through ResNet18's convs (0.4848 G at 112², whose last stage is 4×4). */
export const resnet18ConvMacs = (h: number) => resnet18Convs(h).reduce((a, c) => a + convMacs(c), 0);

export const resnet18ForwardFlops = (n: number, h: number) => 2 * n * (resnet18ConvMacs(h) + 512 * 1000);

/**
 * One train step of Resnt18Rnn: forward + grad-input + grad-weight of every conv (the stem has no
 * grad-input: the clips need no gradient), the LSTM (T steps, input 512, hidden 100) and fc1.
 */
function resnt18RnnTrainFlops(b: number, t: number, h: number): number {
  const stem = resnet18Convs(h)[0]!;
  const convs = 3 * resnet18ConvMacs(h) - convMacs(stem);
  const lstm = 3 * t * 4 * HIDDEN * (512 + HIDDEN);
  const fc1 = 3 * HIDDEN * NUM_CLASSES;
  return 2 * (b * t * convs + b * (lstm + fc1));
}

function resnt18RnnForwardFlops(b: number, t: number, h: number): number {
  return 2 * (b * t * resnet18ConvMacs(h) + b * (t * 4 * HIDDEN * (512 + HIDDEN) + HIDDEN * NUM_CLASSES));
}

// ---------------------------------------------------------------------------------------------------
// TF.js ResNet18 from ops, NHWC with HWIO filters, padding as torchvision's.

interface TfBn { mean: TfTensor; variance: TfTensor; offset: TfTensor; scale: TfTensor }
interface TfConvBn { filter: TfTensor; stride: number; pad: Pad4 | 'valid'; bn: TfBn }

export function tfResnet18(tf: Tf, n: number) {
  const owned: TfTensor[] = [];
  const make = <T extends TfTensor>(t: T): T => { owned.push(t); return t; };
  // Random weights, He-scaled so activations stay finite; moving statistics fixed as in eval.
  const convBn = (c: Conv): TfConvBn => ({
    filter: make(tf.randomNormal([c.k, c.k, c.inC, c.outC], 0, Math.sqrt(2 / (c.inC * c.k * c.k)))),
    stride: c.stride,
    pad: c.padding === 0 ? 'valid' : [[0, 0], [c.padding, c.padding], [c.padding, c.padding], [0, 0]],
    bn: {
      mean: make(tf.randomNormal([c.outC], 0, 0.1)),
      variance: make(tf.randomUniform([c.outC], 0.75, 1.25)),
      offset: make(tf.randomNormal([c.outC], 0, 0.1)),
      scale: make(tf.randomUniform([c.outC], 0.75, 1.25)),
    },
  });
  const layers = resnet18Convs(SIZE).map(convBn);
  const fcW = make(tf.randomNormal([512, 1000], 0, 1 / Math.sqrt(512)));
  const fcB = make(tf.zeros([1000]));
  const x = make(tf.randomNormal([n, SIZE, SIZE, 3]));

  const apply = (t: TfTensor, l: TfConvBn, relu: boolean): TfTensor => {
    const y = tf.conv2d(t as Parameters<Tf['conv2d']>[0], l.filter as Parameters<Tf['conv2d']>[1], l.stride, l.pad);
    const z = tf.batchNorm(y, l.bn.mean, l.bn.variance, l.bn.offset, l.bn.scale, 1e-5);
    return relu ? tf.relu(z) : z;
  };
  const forward = (): TfTensor => tf.tidy(() => {
    let i = 0;
    let y = apply(x, layers[i++]!, true);
    // torchvision's max pool pads with −∞; after the ReLU every value is ≥ 0 and each window holds
    // a real one, so zero padding gives the same result (56 → 28, as torch's 3/2 pad 1).
    y = tf.maxPool(tf.pad(y, [[0, 0], [1, 1], [1, 1], [0, 0]]) as Parameters<Tf['maxPool']>[0], 3, 2, 'valid');
    for (const planes of [64, 128, 256, 512]) {
      for (let block = 0; block < 2; block++) {
        const conv1 = layers[i++]!;
        const conv2 = layers[i++]!;
        const downsample = block === 0 && planes !== 64 ? layers[i++]! : undefined;
        const out = apply(apply(y, conv1, true), conv2, false);
        y = tf.relu(tf.add(out, downsample ? apply(y, downsample, false) : y));
      }
    }
    const pooled = tf.mean(y, [1, 2]);
    return tf.add(tf.matMul(pooled as Parameters<Tf['matMul']>[0], fcW as Parameters<Tf['matMul']>[1]), fcB);
  });
  return { forward, dispose: () => { for (const t of owned) t.dispose(); } };
}

// ---------------------------------------------------------------------------------------------------

function resnet18Forward(tf: Tf | undefined): Workload {
  const n = CLIPS * FRAMES;
  return {
    name: 'resnet18 forward',
    shape: [n, 3, SIZE, SIZE],
    flops: resnet18ForwardFlops(n, SIZE),
    throughput: { field: 'framesPerSec', count: n },
    torch: 'resnet18_forward',
    ...heavy,
    ours() {
      const model = resnet18();
      model.eval();
      const x = wg.randn([n, 3, SIZE, SIZE]);
      let y: wg.Tensor | undefined;
      const run = () => {
        y?.dispose();
        y = wg.tidy(() => wg.noGrad(() => model.call(x)));
      };
      return { run, modules: () => model.namedModules(), dispose: () => { y?.dispose(); x.dispose(); model.dispose(); } };
    },
    tfjs: tf && (() => {
      const net = tfResnet18(tf, n);
      let y: TfTensor | undefined;
      return {
        run: () => { y?.dispose(); y = net.forward(); },
        dispose: () => { y?.dispose(); net.dispose(); },
      };
    }),
  };
}

function resnt18RnnTrainStep(): Workload {
  return {
    name: 'resnt18rnn train step',
    shape: [CLIPS, FRAMES, 3, SIZE, SIZE],
    flops: resnt18RnnTrainFlops(CLIPS, FRAMES, SIZE),
    throughput: { field: 'clipsPerSec', count: CLIPS },
    torch: 'resnt18rnn_train',
    torchVariants: { torchPerClipMs: 'resnt18rnn_train_per_clip' },
    tfjsSkipped: 'tfjs-core registers no op gradients in Node (its ESM gradient modules do not load), so TF.js cannot train here',
    ...heavy,
    ours() {
      // Peak GPU memory: memoryStats() has no peak field, so the step samples it after forward,
      // after backward and after the Adam step. liveBytes is what the step holds at once (model,
      // Adam state, activations saved for backward, gradients); allocatedBytes is what webgrad holds
      // from the device (live + the buffer pool, which only grows), so its maximum is the true
      // high-water mark. The pool is emptied first so earlier workloads' buffers do not count.
      // (Nothing of ours is in flight here: the previous workload ended with a synchronize.)
      bufferPool.trim();
      const model = new Resnt18Rnn({ numClasses: NUM_CLASSES, pretrained: false });
      model.train();
      const x = wg.randn([CLIPS, FRAMES, 3, SIZE, SIZE]);
      const target = wg.randint(0, NUM_CLASSES, [CLIPS]);
      const opt = new wg.optim.Adam(model.parameters(), { lr: 3e-5 });
      let peakLiveBytes = 0;
      let peakAllocatedBytes = 0;
      const sample = () => {
        const s = wg.memoryStats();
        peakLiveBytes = Math.max(peakLiveBytes, s.liveBytes);
        peakAllocatedBytes = Math.max(peakAllocatedBytes, s.allocatedBytes);
      };
      const run = () => wg.tidy(() => {
        opt.zeroGrad();
        const loss = wg.crossEntropy(model.call(x), target, { reduction: 'sum' });
        sample();
        loss.backward();
        sample();
        opt.step();
        sample();
        opt.zeroGrad();
      });
      return {
        run,
        fields: () => ({ peakLiveBytes, peakAllocatedBytes }),
        modules: () => model.namedModules(),
        dispose: () => { opt.dispose(); for (const t of [x, target]) t.dispose(); model.dispose(); },
      };
    },
  };
}

function resnt18RnnPredict(): Workload {
  return {
    name: 'resnt18rnn predict',
    shape: [1, FRAMES, 3, SIZE, SIZE],
    flops: resnt18RnnForwardFlops(1, FRAMES, SIZE),
    throughput: { field: 'clipsPerSec', count: 1 },
    torch: 'resnt18rnn_predict',
    torchVariants: { torchPerClipMs: 'resnt18rnn_predict_per_clip' },
    tfjsSkipped: 'no ResNet18 + LSTM built in TF.js here; see the resnet18 forward row for the CNN, nearly all of the work',
    warmup: 1,
    runs: 5,
    gpuRuns: 1,
    ours() {
      const model = new Resnt18Rnn({ numClasses: NUM_CLASSES, pretrained: false });
      model.eval();
      const x = wg.randn([1, FRAMES, 3, SIZE, SIZE]);
      let y: wg.Tensor | undefined;
      const run = () => {
        y?.dispose();
        y = wg.tidy(() => wg.noGrad(() => model.call(x)));
      };
      return { run, dispose: () => { y?.dispose(); x.dispose(); model.dispose(); } };
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// PyTorch CPU on the same machine: bench/pytorch_models.py as a subprocess.

/** Median ms per workload key, or why there are none. */
export type TorchTimes = Map<string, number> | string;

const TORCH_MISSING = 'python3-torch not installed (apt-get install -y python3-torch python3-torchvision)';

/**
 * Times the given bench/pytorch_models.py workloads with Debian's /usr/bin/python3 (or
 * $WEBGRAD_BENCH_PYTHON), synchronously: it must not share the CPU with lavapipe's GPU work.
 */
export function pytorchTimes(keys: string[], progress: (line: string) => void = () => {}): TorchTimes {
  if (keys.length === 0) return new Map();
  const python = process.env.WEBGRAD_BENCH_PYTHON ?? '/usr/bin/python3';
  const script = fileURLToPath(new URL('../pytorch_models.py', import.meta.url));
  progress(`  PyTorch CPU (${python}): ${keys.join(', ')} …\n`);
  const child = spawnSync(python, [script, '--only', keys.join(',')], { encoding: 'utf8', timeout: 30 * 60e3, maxBuffer: 1 << 20 });
  if (child.error) return (child.error as NodeJS.ErrnoException).code === 'ENOENT' ? TORCH_MISSING : `bench/pytorch_models.py: ${child.error.message}`;
  const times = new Map<string, number>();
  for (const line of child.stdout.split('\n').filter((l) => l.startsWith('{'))) {
    const r = JSON.parse(line) as { key?: string; ms?: number; threads?: number; skipped?: string };
    if (r.skipped) return r.skipped;
    if (r.key && typeof r.ms === 'number') {
      times.set(r.key, r.ms);
      progress(`  PyTorch CPU ${r.key}: ${r.ms.toFixed(1)} ms (${r.threads} threads)\n`);
    }
  }
  if (child.status !== 0) {
    const why = child.stderr.trim().split('\n').slice(-1)[0] ?? `exit ${child.status}`;
    return times.size ? times : `bench/pytorch_models.py failed: ${why}`;
  }
  return times;
}

export function modelWorkloads(tf: Tf | undefined): Workload[] {
  return [resnet18Forward(tf), resnt18RnnTrainStep(), resnt18RnnPredict()];
}
