// conv2d at every distinct ResNet18 layer shape of the training job (torchvision's resnet18 on the
// seed's 112x112 frames: the 7x7/2 stem makes 56x56, the max pool 28x28 for layer1, then 14, 7, 4),
// forward and forward + backward (grad-input + grad-weight), against TF.js WebGPU's tf.conv2d on the
// same adapter (given the equivalent NHWC tensors and HWIO filter; the layout change is not timed).
//
// Batch 32 rather than the job's 128 (8 clips x 16 frames): the harness runs each side 17-18 times
// and TF.js's backward is ~10x slower than ours, so 128 would take most of an hour on lavapipe.
// One batch-128 stem forward (ours only) runs the job's real size, and a batch-128 224x224 stem
// forward exercises the chunked path: its [128,64,112,112] output is 411 MB, over the 128 MiB
// storage-binding limit.
// The stem's backward is grad-weight only on both sides: its input is the image, which needs no
// gradient in training (conv2d computes grad-input only for inputs that require grad).
// shape = [N, C, H, W, O, kh, kw, stride, padding].

import * as wg from '../../engine/index.js';
import type { Workload } from '../harness.js';
import type { loadTfjs } from '../tfjs.js';

type Tf = NonNullable<Awaited<ReturnType<typeof loadTfjs>>>;
type TfTensor = ReturnType<Tf['randomNormal']>;

interface Layer { name: string; C: number; H: number; O: number; k: number; stride: number; padding: number }

export const resnet18Layers: Layer[] = [
  { name: 'stem 7x7/2', C: 3, H: 112, O: 64, k: 7, stride: 2, padding: 3 },
  { name: 'layer1 3x3', C: 64, H: 28, O: 64, k: 3, stride: 1, padding: 1 },
  { name: 'layer2.0 3x3/2', C: 64, H: 28, O: 128, k: 3, stride: 2, padding: 1 },
  { name: 'layer2.0 downsample 1x1/2', C: 64, H: 28, O: 128, k: 1, stride: 2, padding: 0 },
  { name: 'layer2 3x3', C: 128, H: 14, O: 128, k: 3, stride: 1, padding: 1 },
  { name: 'layer3.0 3x3/2', C: 128, H: 14, O: 256, k: 3, stride: 2, padding: 1 },
  { name: 'layer3.0 downsample 1x1/2', C: 128, H: 14, O: 256, k: 1, stride: 2, padding: 0 },
  { name: 'layer3 3x3', C: 256, H: 7, O: 256, k: 3, stride: 1, padding: 1 },
  { name: 'layer4.0 3x3/2', C: 256, H: 7, O: 512, k: 3, stride: 2, padding: 1 },
  { name: 'layer4.0 downsample 1x1/2', C: 256, H: 7, O: 512, k: 1, stride: 2, padding: 0 },
  { name: 'layer4 3x3', C: 512, H: 4, O: 512, k: 3, stride: 1, padding: 1 },
];

function outSize(l: Layer): number {
  return Math.floor((l.H + 2 * l.padding - l.k) / l.stride) + 1;
}

function forwardFlops(l: Layer, N: number): number {
  return 2 * N * l.O * outSize(l) ** 2 * l.C * l.k * l.k;
}

function convWorkload(tf: Tf | undefined, l: Layer, N: number, backward: boolean, withTfjs = true): Workload {
  const Ho = outSize(l);
  const options = { stride: l.stride, padding: l.padding };
  const inputGrad = backward && l.C !== 3;
  return {
    name: `conv2d ${backward ? 'fwd+bwd' : 'fwd'} ${l.name}`,
    shape: [N, l.C, l.H, l.H, l.O, l.k, l.k, l.stride, l.padding],
    // grad-input and grad-weight each cost what the forward does
    flops: forwardFlops(l, N) * (backward ? (inputGrad ? 3 : 2) : 1),
    ours() {
      const x = wg.randn([N, l.C, l.H, l.H], { requiresGrad: inputGrad });
      const w = wg.randn([l.O, l.C, l.k, l.k], { std: 0.05, requiresGrad: backward });
      const gy = backward ? wg.randn([N, l.O, Ho, Ho]) : undefined;
      let kept: wg.Tensor[] = [];
      const run = () => {
        kept.forEach((t) => t.dispose());
        const y = wg.conv2d(x, w, null, options);
        if (!backward) { kept = [y]; return; }
        y.backward(gy!);
        kept = inputGrad ? [y, x.grad!, w.grad!] : [y, w.grad!];
        x.grad = null;
        w.grad = null;
      };
      return { run, dispose: () => { [x, w, gy, ...kept].forEach((t) => t?.dispose()); } };
    },
    tfjs: tf && withTfjs ? () => {
      const x = tf.randomNormal([N, l.H, l.H, l.C]);
      const w = tf.randomNormal([l.k, l.k, l.C, l.O], 0, 0.05);
      const gy = tf.randomNormal([N, Ho, Ho, l.O]);
      const pad = l.padding === 0 ? 'valid' : [[0, 0], [l.padding, l.padding], [l.padding, l.padding], [0, 0]] as [[number, number], [number, number], [number, number], [number, number]];
      const conv = (a: TfTensor, b: TfTensor) => tf.conv2d(a as Parameters<Tf['conv2d']>[0], b as Parameters<Tf['conv2d']>[1], l.stride, pad);
      // The kernels tf.grad would run for Conv2D (tfjs-core registers gradients only where the
      // tfjs union package is imported, and its ESM gradient module does not load in Node).
      const attrs = { strides: l.stride, pad, dataFormat: 'NHWC', dimRoundingMode: undefined };
      const run = (name: string, inputs: Record<string, TfTensor>, extra: Record<string, unknown>) =>
        tf.engine().runKernel(name, inputs as never, { ...attrs, ...extra } as never) as TfTensor;
      const gradX = () => run('Conv2DBackpropInput', { dy: gy, filter: w }, { inputShape: x.shape });
      const gradW = () => run('Conv2DBackpropFilter', { x, dy: gy }, { filterShape: w.shape });
      let kept: TfTensor[] = [];
      return {
        run: () => {
          kept.forEach((t) => t.dispose());
          kept = [conv(x, w), ...(backward ? [gradW()] : []), ...(inputGrad ? [gradX()] : [])];
        },
        dispose: () => { [x, w, gy, ...kept].forEach((t) => t.dispose()); } };
    } : undefined,
  };
}

export function convWorkloads(tf: Tf | undefined): Workload[] {
  const N = 32;
  return [
    ...resnet18Layers.map((l) => convWorkload(tf, l, N, false)),
    ...resnet18Layers.map((l) => convWorkload(tf, l, N, true)),
    { ...convWorkload(tf, resnet18Layers[0]!, 128, false, false), name: 'conv2d fwd stem 7x7/2 batch 128' },
    { ...convWorkload(tf, { ...resnet18Layers[0]!, H: 224 }, 128, false, false), name: 'conv2d fwd stem 7x7/2 batch 128 224x224 (chunked)' },
  ];
}
