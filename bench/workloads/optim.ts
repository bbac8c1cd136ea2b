// Optimizer workloads: one Adam step over ResNet18's 11.7 M parameters (its 62 tensors'
// shapes), webgrad's multi-tensor kernel (a few launches for all tensors) vs TF.js's
// tf.train.adam; and over Resnt18Rnn's own parameters (66 tensors, as the training job's
// optimizer gets them), multi-tensor beside `foreach: false` (one launch per tensor).
// Bytes: each element reads grad, param, exp_avg, exp_avg_sq and writes the last three.

import * as wg from '../../engine/index.js';
import type { Workload } from '../harness.js';
import type { loadTfjs } from '../tfjs.js';

type Tf = NonNullable<Awaited<ReturnType<typeof loadTfjs>>>;

/** torchvision resnet18's parameter shapes, in state-dict order (11,689,512 elements). */
export function resnet18Shapes(): number[][] {
  const shapes: number[][] = [[64, 3, 7, 7], [64], [64]];
  const bn = (c: number) => [[c], [c]];
  let inC = 64;
  for (const [c, stride] of [[64, 1], [128, 2], [256, 2], [512, 2]] as const) {
    for (let block = 0; block < 2; block++) {
      const first = block === 0 ? inC : c;
      shapes.push([c, first, 3, 3], ...bn(c), [c, c, 3, 3], ...bn(c));
      if (block === 0 && (stride !== 1 || inC !== c)) shapes.push([c, inC, 1, 1], ...bn(c));
    }
    inC = c;
  }
  shapes.push([1000, 512], [1000]);
  return shapes;
}

function adamStep(tf: Tf | undefined, amsgrad: boolean): Workload {
  const shapes = resnet18Shapes();
  const n = shapes.reduce((a, s) => a + s.reduce((x, y) => x * y, 1), 0);
  const streams = amsgrad ? 9 : 7;
  return {
    name: amsgrad ? 'adam_amsgrad_resnet18' : 'adam_resnet18',
    shape: [n],
    bytes: streams * 4 * n,
    ours() {
      const params = shapes.map((s) => wg.randn(s, { requiresGrad: true }));
      for (const p of params) p.grad = wg.randn(p.shape, { std: 1e-2 });
      const opt = new wg.optim.Adam(params, { lr: 1e-3, amsgrad });
      return {
        run: () => opt.step(),
        dispose: () => { opt.dispose(); for (const p of params) { p.grad = null; p.dispose(); } },
      };
    },
    // TF.js has no AMSGrad; its Adam runs several elementwise kernels per variable.
    tfjs: tf && !amsgrad ? () => {
      const vars = shapes.map((s, i) => tf.variable(tf.randomNormal(s), true, `bench_adam_${Date.now()}_${i}`));
      const grads = vars.map((v) => ({ name: v.name, tensor: tf.randomNormal(v.shape, 0, 1e-2) }));
      const opt = tf.train.adam(1e-3);
      return {
        run: () => opt.applyGradients(grads),
        dispose: () => { opt.dispose(); for (const v of vars) v.dispose(); for (const g of grads) g.tensor.dispose(); },
      };
    } : undefined,
  };
}

/** Resnt18Rnn's parameter shapes: ResNet18 without its fc, LSTM(512 → 100), fc1 (100 → 51). */
export function resnt18RnnShapes(): number[][] {
  return [...resnet18Shapes().slice(0, -2), [400, 512], [400, 100], [400], [400], [51, 100], [51]];
}

/** Adam over Resnt18Rnn's trainable parameters (HMDB51's 51 classes), multi-tensor or one launch per tensor. */
function adamResnt18Rnn(foreach: boolean): Workload {
  const shapes = resnt18RnnShapes();
  const n = shapes.reduce((a, s) => a + s.reduce((x, y) => x * y, 1), 0);
  return {
    name: foreach ? 'adam_resnt18rnn' : 'adam_resnt18rnn_per_param',
    shape: [n],
    bytes: 7 * 4 * n,
    ours() {
      const params = shapes.map((s) => wg.randn(s, { requiresGrad: true }));
      for (const p of params) p.grad = wg.randn(p.shape, { std: 1e-2 });
      const opt = new wg.optim.Adam(params, { lr: 1e-3, foreach });
      return {
        run: () => opt.step(),
        dispose: () => { opt.dispose(); for (const p of params) { p.grad = null; p.dispose(); } },
      };
    },
    tfjsSkipped: 'the same Adam as adam_resnet18',
  };
}

export function optimWorkloads(tf: Tf | undefined): Workload[] {
  return [adamStep(tf, false), adamStep(tf, true), adamResnt18Rnn(true), adamResnt18Rnn(false)];
}
