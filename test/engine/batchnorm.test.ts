// batch_norm vs PyTorch (1d and 2d, train and eval, running stats after the update, with
// and without affine), gradcheck of the training-mode backward, and the error messages.
import { beforeAll, describe, expect, it } from 'vitest';
import * as wg from '../../engine/index.js';
import { checkCase, loadFixture } from '../helpers/fixtures.js';
import { setupGpu } from '../helpers/gpu.js';

beforeAll(setupGpu);

// batchNorm's fixture runner is in test/helpers/fixture-ops.ts (shared with the browser tests).
describe('batch_norm vs PyTorch', () => {
  for (const c of loadFixture('batchnorm', 'nn')) it(c.name, () => checkCase(c));
});

describe('batch_norm', () => {
  it('gradcheck, training mode, input + weight + bias', async () => {
    wg.manualSeed(3);
    const x = wg.randn([3, 2, 5]);
    const w = wg.rand([2], { low: 0.5, high: 1.5 });
    const b = wg.randn([2]);
    const r = await wg.gradcheck((a, ww, bb) => wg.batchNorm(a, null, null, ww, bb, { training: true }), [x, w, b], { eps: 1e-2, atol: 2e-3, rtol: 2e-2 });
    expect(r.ok, JSON.stringify(r)).toBe(true);
    for (const t of [x, w, b]) t.dispose();
  });

  it('gradcheck, training mode, vec4 spatial layout, no affine', async () => {
    wg.manualSeed(4);
    const x = wg.randn([2, 2, 2, 4]);
    const r = await wg.gradcheck((a) => wg.batchNorm(a, null, null, null, null, { training: true }), [x], { eps: 1e-2, atol: 2e-3, rtol: 2e-2 });
    expect(r.ok, JSON.stringify(r)).toBe(true);
    x.dispose();
  });

  it('scale/shift seam matches the eval-mode output', async () => {
    const rm = wg.tensor([0.5, -1]);
    const rv = wg.tensor([4, 0.25]);
    const w = wg.tensor([2, 3]);
    const b = wg.tensor([1, 0]);
    const { scale, shift } = wg.batchNormScaleShift(rm, rv, w, b, 0);
    expect(Array.from(await scale.data())).toEqual([1, 6]);
    expect(Array.from(await shift.data())).toEqual([0.5, 6]);
    for (const t of [rm, rv, w, b, scale, shift]) t.dispose();
  });

  it('a non-contiguous input (NHWC memory viewed as NCHW) gives the contiguous result', async () => {
    wg.manualSeed(5);
    const nhwc = wg.randn([2, 5, 6, 3]);
    const x = nhwc.permute([0, 3, 1, 2]);
    const copy = x.contiguous();
    const w = wg.randn([3]);
    const a = wg.batchNorm(x, null, null, w, null, { training: true });
    const b = wg.batchNorm(copy, null, null, w, null, { training: true });
    expect(Array.from(await a.data())).toEqual(Array.from(await b.data()));
    for (const t of [nhwc, x, copy, w, a, b]) t.dispose();
  });

  it('training steps keep memory flat', async () => {
    const x = wg.randn([4, 3, 8, 8], { requiresGrad: true });
    const [rm, rv] = [wg.zeros([3]), wg.ones([3])];
    const [w, b] = [wg.ones([3], 'float32', { requiresGrad: true }), wg.zeros([3], 'float32', { requiresGrad: true })];
    const step = () => wg.tidy(() => wg.batchNorm(x, rm, rv, w, b, { training: true }).square().sum().backward());
    step();
    const before = wg.memoryStats();
    for (let i = 0; i < 5; i++) step();
    const after = wg.memoryStats();
    expect([after.liveTensors, after.liveBytes]).toEqual([before.liveTensors, before.liveBytes]);
    for (const t of [x, rm, rv, w, b]) { t.grad = null; t.dispose(); }
  });

  it('errors name the op, the shapes and the fix', () => {
    const x = wg.zeros([4, 3, 2]);
    expect(() => wg.batchNorm(x, null, null, wg.ones([4]), null, { training: true })).toThrow(/batchNorm: weight must be \[3\] for input \[4,3,2\]/);
    expect(() => wg.batchNorm(x, null, null, null, null)).toThrow(/eval mode needs runningMean and runningVar .*\{ training: true \}/);
    expect(() => wg.batchNorm(wg.zeros([1, 3]), null, null, null, null, { training: true })).toThrow(/more than 1 value per channel/);
  });
});
