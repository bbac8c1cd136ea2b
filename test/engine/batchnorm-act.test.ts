// batchNormAct — relu(batch_norm(x) + residual) fused — against PyTorch (test/fixtures/generate_bn_relu.py:
// train and eval, with and without residual / relu / affine / running stats, S % 4 != 0, N = 1), against
// the unfused chain batchNorm → add → relu (the same numbers, and none of the chain's kernels), a
// gradcheck, non-contiguous inputs, flat memory and the error messages.
import { beforeAll, describe, expect, it } from 'vitest';
import * as wg from '../../engine/index.js';
import { perturbed, runCase } from '../helpers/fixture-case.js';
import { checkCase, loadFixture, registerOps } from '../helpers/fixtures.js';
import { setupGpu } from '../helpers/gpu.js';

beforeAll(setupGpu);

registerOps({
  batchNormAct: (xs, kw) => {
    const rest = [...xs];
    const x = rest.shift()!;
    const residual = kw.residual ? rest.shift()! : undefined;
    const [rm, rv] = kw.running ? [rest.shift()!, rest.shift()!] : [null, null];
    const [w, b] = kw.affine ? [rest.shift()!, rest.shift()!] : [null, null];
    const y = wg.batchNormAct(x, rm, rv, w, b, {
      training: kw.training as boolean, momentum: kw.momentum as number, eps: kw.eps as number, relu: kw.relu as boolean, ...(residual ? { residual } : {}),
    });
    return rm && rv ? [y, rm, rv] : [y];
  },
});

const cases = loadFixture('batchnorm_act', 'nn');

describe('batchNormAct vs PyTorch', () => {
  for (const c of cases) it(c.name, () => checkCase(c));

  it('the harness notices a wrong output and a wrong gradient', async () => {
    const c = cases.find((k) => k.name === 'add_relu/2d_vec4_train')!;
    expect((await runCase(perturbed(c, 'outputs'))).failures.join()).toMatch(/output 0: element 0/);
    expect((await runCase(perturbed(c, 'grads'))).failures.join()).toMatch(/grad 0: element 0/);
  });
});

interface Run { y: Float32Array; grads: Float32Array[]; running: Float32Array[] }

/** One forward + backward of relu(bn(x) + r), fused or as batchNorm → add → relu, from the same values. */
async function runOnce(fused: boolean, shape: number[], training: boolean, seed: number): Promise<Run> {
  wg.manualSeed(seed);
  const C = shape[1]!;
  const x = wg.randn(shape, { requiresGrad: true });
  const r = wg.randn(shape, { requiresGrad: true });
  const w = wg.rand([C], { low: 0.5, high: 1.5, requiresGrad: true });
  const b = wg.randn([C], { requiresGrad: true });
  const rm = wg.randn([C]);
  const rv = wg.rand([C], { low: 0.5, high: 1.5 });
  const g = wg.randn(shape);
  const options = { training, momentum: 0.1, eps: 1e-5 };
  const y = wg.tidy(() => {
    const out = fused
      ? wg.batchNormAct(x, rm, rv, w, b, { ...options, residual: r })
      : wg.batchNorm(x, rm, rv, w, b, options).add(r).relu();
    out.backward(g);
    return out;
  });
  const result = {
    y: await y.data() as Float32Array,
    grads: await Promise.all([x, w, b, r].map((t) => t.grad!.data() as Promise<Float32Array>)),
    running: await Promise.all([rm, rv].map((t) => t.data() as Promise<Float32Array>)),
  };
  for (const t of [x, r, w, b]) t.grad = null;
  for (const t of [x, r, w, b, rm, rv, g, y]) t.dispose();
  return result;
}

describe('batchNormAct equals batchNorm → add → relu', () => {
  for (const [shape, training] of [[[4, 8, 8, 8], true], [[2, 3, 5, 7], true], [[4, 8, 8, 8], false], [[6, 5], true]] as const) {
    it(`${training ? 'train' : 'eval'} [${shape.join(',')}]`, async () => {
      const fused = await runOnce(true, [...shape], training, 11);
      const chain = await runOnce(false, [...shape], training, 11);
      // The same kernels' arithmetic: the backward sums are bit-identical (the mask is the same),
      // the forward may differ by the rounding of x·scale + shift before the add (one ulp).
      const close = (a: Float32Array, e: Float32Array, what: string) => {
        for (let i = 0; i < a.length; i++) {
          if (Math.abs(a[i]! - e[i]!) > 1e-6 + 1e-6 * Math.abs(e[i]!)) throw new Error(`${what}[${i}]: fused ${a[i]}, chain ${e[i]}`);
        }
      };
      close(fused.y, chain.y, 'y');
      fused.grads.forEach((gr, i) => close(gr, chain.grads[i]!, `grad ${['x', 'weight', 'bias', 'residual'][i]}`));
      fused.running.forEach((r, i) => expect(Array.from(r)).toEqual(Array.from(chain.running[i]!)));
    });
  }

  it('runs no relu, add or relu_grad kernel, forward or backward', async () => {
    const x = wg.randn([2, 4, 6, 6], { requiresGrad: true });
    const r = wg.randn([2, 4, 6, 6], { requiresGrad: true });
    const stop = wg.startProfiling();
    wg.tidy(() => wg.batchNormAct(x, null, null, null, null, { training: true, residual: r }).sum().backward());
    await wg.synchronize();
    await new Promise((done) => setTimeout(done, 50)); // timestamp readbacks resolve after the work
    const families = stop().families.map((f) => f.family);
    expect(families).toContain('batchnorm:apply');
    expect(families.filter((f) => ['map:relu', 'map:relu_grad', 'map:add', 'map:add_grad'].includes(f))).toEqual([]);
    for (const t of [x, r]) { t.grad = null; t.dispose(); }
  });
});

describe('batchNormAct', () => {
  it('gradcheck, training mode: x, weight, bias and residual', async () => {
    wg.manualSeed(7);
    const x = wg.randn([3, 2, 5]);
    const r = wg.randn([3, 2, 5]);
    const w = wg.rand([2], { low: 0.5, high: 1.5 });
    const b = wg.randn([2]);
    const f = (a: wg.Tensor, ww: wg.Tensor, bb: wg.Tensor, rr: wg.Tensor) => wg.batchNormAct(a, null, null, ww, bb, { training: true, residual: rr });
    const result = await wg.gradcheck(f, [x, w, b, r], { eps: 1e-3, atol: 3e-3, rtol: 2e-2 });
    expect(result.ok, JSON.stringify(result)).toBe(true);
    for (const t of [x, r, w, b]) t.dispose();
  });

  it('non-contiguous input and residual (NHWC memory viewed as NCHW) give the contiguous result', async () => {
    wg.manualSeed(5);
    const xs = wg.randn([2, 5, 6, 4]);
    const rs = wg.randn([2, 5, 6, 4]);
    const [x, r] = [xs.permute([0, 3, 1, 2]), rs.permute([0, 3, 1, 2])];
    const [xc, rc] = [x.contiguous(), r.contiguous()];
    const a = wg.batchNormAct(x, null, null, null, null, { training: true, residual: r });
    const b = wg.batchNormAct(xc, null, null, null, null, { training: true, residual: rc });
    expect(Array.from(await a.data())).toEqual(Array.from(await b.data()));
    for (const t of [xs, rs, x, r, xc, rc, a, b]) t.dispose();
  });

  it('training steps keep memory flat', () => {
    const x = wg.randn([4, 3, 8, 8], { requiresGrad: true });
    const r = wg.randn([4, 3, 8, 8], { requiresGrad: true });
    const [rm, rv] = [wg.zeros([3]), wg.ones([3])];
    const [w, b] = [wg.ones([3], 'float32', { requiresGrad: true }), wg.zeros([3], 'float32', { requiresGrad: true })];
    const step = () => wg.tidy(() => wg.batchNormAct(x, rm, rv, w, b, { training: true, residual: r }).square().sum().backward());
    step();
    const before = wg.memoryStats();
    for (let i = 0; i < 5; i++) step();
    const after = wg.memoryStats();
    expect([after.liveTensors, after.liveBytes]).toEqual([before.liveTensors, before.liveBytes]);
    for (const t of [x, r, rm, rv, w, b]) { t.grad = null; t.dispose(); }
  });

  it('refuses what PyTorch refuses, naming the op, the shapes and the fix', () => {
    const x = wg.zeros([4, 3, 2]);
    expect(() => wg.batchNormAct(x, null, null, null, null, { training: true, residual: wg.zeros([4, 3, 1]) }))
      .toThrow(/batchNormAct: residual \[4,3,1\] must have the input's shape \[4,3,2\]/);
    expect(() => wg.batchNormAct(x, null, null, wg.ones([4]), null, { training: true })).toThrow(/batchNormAct: weight must be \[3\] for input \[4,3,2\]/);
    expect(() => wg.batchNormAct(x, null, null, null, null)).toThrow(/batchNormAct: eval mode needs runningMean and runningVar/);
    // N = 1 with one value per channel: PyTorch's "Expected more than 1 value per channel when training".
    expect(() => wg.batchNormAct(wg.zeros([1, 3]), null, null, null, null, { training: true })).toThrow(/more than 1 value per channel/);
    expect(() => wg.batchNormAct(wg.zeros([1, 3, 1, 1]), null, null, null, null, { training: true })).toThrow(/more than 1 value per channel/);
  });
});
