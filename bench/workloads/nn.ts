// nn workloads: batch norm (forward in training and eval mode, forward+backward) at
// ResNet's first-stage shape, a residual block's relu(bn(x) + shortcut) forward+backward fused
// (batchNormAct) and as batchNorm → add → relu, and an LSTM forward and forward+backward — the fused kernels
// against the same LSTM composed from the engine's elementwise ops and matmul, and the
// forward against TF.js's composed one (basicLSTMCell per step). TF.js rows exist only for
// forwards: tfjs-core's Node bundle registers no op gradients (they ship as ESM files with
// extensionless imports, which Node cannot load), so tf.grads fails there.

import * as wg from '../../engine/index.js';
import type { Workload } from '../harness.js';
import type { loadTfjs } from '../tfjs.js';

type Tf = NonNullable<Awaited<ReturnType<typeof loadTfjs>>>;
type TfTensor = ReturnType<Tf['zeros']>;

const bnShape = [128, 64, 56, 56] as const;

function batchNormForward(tf: Tf | undefined, training: boolean, shape: readonly number[]): Workload {
  const [N, C, Hh, W] = shape as [number, number, number, number];
  const n = N * C * Hh * W;
  return {
    name: `batchnorm_fwd_${training ? 'train' : 'eval'}`,
    shape: [...shape],
    // training reads x twice (stats, normalize) and writes y; eval reads once, writes once
    bytes: 4 * n * (training ? 3 : 2),
    ours() {
      const x = wg.randn([...shape]);
      const rm = wg.zeros([C]);
      const rv = wg.ones([C]);
      const w = wg.ones([C]);
      const b = wg.zeros([C]);
      let y: wg.Tensor | undefined;
      return {
        run: () => { y?.dispose(); y = wg.batchNorm(x, rm, rv, w, b, { training }); },
        dispose: () => { for (const t of [x, rm, rv, w, b, y]) t?.dispose(); },
      };
    },
    // TF.js's batchNorm takes the statistics as arguments: training adds tf.moments.
    tfjs: tf && (() => {
      const x = tf.randomNormal([...shape]);
      const mean = tf.zeros([1, C, 1, 1]);
      const variance = tf.ones([1, C, 1, 1]);
      const scale = tf.ones([1, C, 1, 1]);
      const offset = tf.zeros([1, C, 1, 1]);
      let y: TfTensor | undefined;
      const run = () => {
        y?.dispose();
        y = tf.tidy(() => {
          if (!training) return tf.batchNorm(x, mean, variance, offset, scale, 1e-5);
          const m = tf.moments(x, [0, 2, 3], true);
          return tf.batchNorm(x, m.mean, m.variance, offset, scale, 1e-5);
        });
      };
      return { run, dispose: () => { for (const t of [x, mean, variance, scale, offset, y]) t?.dispose(); } };
    }),
  };
}

function batchNormTrainStep(shape: readonly number[]): Workload {
  const C = shape[1]!;
  const n = shape.reduce((a, b) => a * b, 1);
  return {
    name: 'batchnorm_fwd_bwd_train',
    shape: [...shape],
    // forward 3 passes; backward: grad sums read x, g; dx reads x, g, writes dx
    bytes: 4 * n * (3 + 2 + 3),
    ours() {
      const x = wg.randn([...shape], { requiresGrad: true });
      const g = wg.randn([...shape]);
      const w = wg.ones([C], 'float32', { requiresGrad: true });
      const b = wg.zeros([C], 'float32', { requiresGrad: true });
      const run = () => {
        for (const t of [x, w, b]) t.grad = null;
        wg.tidy(() => wg.batchNorm(x, null, null, w, b, { training: true }).backward(g));
      };
      return { run, dispose: () => { for (const t of [x, g, w, b]) { t.grad = null; t.dispose(); } } };
    },
  };
}

/** relu(bn(x) + r), forward + backward with gradients for x, weight, bias and r: fused or the chain. */
function batchNormAddReluTrainStep(shape: readonly number[], fused: boolean): Workload {
  const C = shape[1]!;
  const n = shape.reduce((a, b) => a * b, 1);
  return {
    name: `batchnorm_add_relu_fwd_bwd_${fused ? 'fused' : 'chain'}`,
    shape: [...shape],
    // fused: forward stats (x) + apply (x, r, y); backward partial (x, g, y, h) + apply (h, x, dx).
    // The chain moves more (apply, add, relu and their gradients); counted at the fused op's bytes.
    bytes: 4 * n * (1 + 3 + 4 + 3),
    ours() {
      const x = wg.randn([...shape], { requiresGrad: true });
      const r = wg.randn([...shape], { requiresGrad: true });
      const g = wg.randn([...shape]);
      const rm = wg.zeros([C]);
      const rv = wg.ones([C]);
      const w = wg.ones([C], 'float32', { requiresGrad: true });
      const b = wg.zeros([C], 'float32', { requiresGrad: true });
      const run = () => {
        for (const t of [x, r, w, b]) t.grad = null;
        wg.tidy(() => (fused
          ? wg.batchNormAct(x, rm, rv, w, b, { training: true, residual: r })
          : wg.batchNorm(x, rm, rv, w, b, { training: true }).add(r).relu()).backward(g));
      };
      return { run, dispose: () => { for (const t of [x, r, g, rm, rv, w, b]) { t.grad = null; t.dispose(); } } };
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// LSTM: batch 8, seq 16, input 512, hidden 100, batch-first, forward + backward.

const L = { B: 8, T: 16, I: 512, H: 100 };
const lstmFlops = 3 * 2 * L.T * L.B * 4 * L.H * (L.I + L.H);

interface LstmParams { x: wg.Tensor; wih: wg.Tensor; whh: wg.Tensor; bih: wg.Tensor; bhh: wg.Tensor }

function lstmParams(): LstmParams {
  const k = 1 / Math.sqrt(L.H);
  const p = { requiresGrad: true, low: -k, high: k };
  return {
    x: wg.randn([L.B, L.T, L.I], { requiresGrad: true }),
    wih: wg.rand([4 * L.H, L.I], p),
    whh: wg.rand([4 * L.H, L.H], p),
    bih: wg.rand([4 * L.H], p),
    bhh: wg.rand([4 * L.H], p),
  };
}

/** The same LSTM from the engine's ops: one projection matmul, then per step matmul + elementwise. */
function composedLstm(p: LstmParams): wg.Tensor {
  const { B, T, H } = L;
  const xp = wg.linear(p.x, p.wih, p.bih).add(p.bhh);  // [B, T, 4H]
  const whhT = p.whh.transpose(0, 1);
  let h = wg.zeros([B, H]);
  let c = wg.zeros([B, H]);
  const outs: wg.Tensor[] = [];
  for (let t = 0; t < T; t++) {
    const z = xp.narrow(1, t, 1).reshape([B, 4 * H]).add(h.matmul(whhT));
    const i = z.narrow(1, 0, H).sigmoid();
    const f = z.narrow(1, H, H).sigmoid();
    const g = z.narrow(1, 2 * H, H).tanh();
    const o = z.narrow(1, 3 * H, H).sigmoid();
    c = f.mul(c).add(i.mul(g));
    h = o.mul(c.tanh());
    outs.push(h);
  }
  return wg.stack(outs, 1);
}

function lstmWorkload(tf: Tf | undefined, fused: boolean, backward: boolean): Workload {
  return {
    name: `lstm_${backward ? 'fwd_bwd' : 'fwd'}_${fused ? 'fused' : 'composed'}`,
    shape: [L.B, L.T, L.I, L.H],
    flops: backward ? lstmFlops : lstmFlops / 3,
    ours() {
      const p = lstmParams();
      const leaves = [p.x, p.wih, p.whh, p.bih, p.bhh];
      const run = () => {
        for (const t of leaves) t.grad = null;
        const forward = () => (fused
          ? wg.lstm(p.x, [{ weightIh: p.wih, weightHh: p.whh, biasIh: p.bih, biasHh: p.bhh }], { batchFirst: true }).output
          : composedLstm(p));
        wg.tidy(() => {
          if (backward) forward().sum().backward();
          else wg.noGrad(forward);
        });
      };
      return { run, dispose: () => { for (const t of leaves) { t.grad = null; t.dispose(); } } };
    },
    // TF.js has no fused LSTM; its composed one: basicLSTMCell per step (kernel [in+H, 4H]).
    tfjs: fused || backward ? undefined : tf && (() => {
      const x = tf.randomNormal([L.B, L.T, L.I]);
      const kernel = tf.randomUniform([L.I + L.H, 4 * L.H], -0.1, 0.1);
      const bias = tf.randomUniform([4 * L.H], -0.1, 0.1);
      const forgetBias = tf.scalar(0);
      let out: TfTensor | undefined;
      const run = () => {
        out?.dispose();
        out = tf.tidy(() => {
          let c: TfTensor = tf.zeros([L.B, L.H]);
          let h: TfTensor = tf.zeros([L.B, L.H]);
          const outs: TfTensor[] = [];
          for (const step of tf.unstack(x, 1)) {
            [c, h] = tf.basicLSTMCell(forgetBias as never, kernel as never, bias as never, step as never, c as never, h as never);
            outs.push(h);
          }
          return tf.stack(outs, 1);
        });
      };
      return { run, dispose: () => { for (const t of [x, kernel, bias, forgetBias, out]) t?.dispose(); } };
    }),
  };
}

export function nnWorkloads(tf: Tf | undefined, options: { bnShape?: readonly number[] } = {}): Workload[] {
  const shape = options.bnShape ?? bnShape;
  return [
    batchNormForward(tf, true, shape),
    batchNormForward(tf, false, shape),
    batchNormTrainStep(shape),
    batchNormAddReluTrainStep(shape, true),
    batchNormAddReluTrainStep(shape, false),
    lstmWorkload(tf, true, false),
    lstmWorkload(tf, false, false),
    lstmWorkload(tf, true, true),
    lstmWorkload(tf, false, true),
  ];
}
