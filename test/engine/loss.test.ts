// Losses (cross_entropy, nll_loss, mse_loss) and linear vs PyTorch; dropout's semantics
// (not bit-equal to torch's RNG: statistics, mask reuse in backward, edge cases of p).
import { beforeAll, describe, expect, it } from 'vitest';
import * as wg from '../../engine/index.js';
import { checkCase, loadFixture } from '../helpers/fixtures.js';
import { setupGpu } from '../helpers/gpu.js';

beforeAll(setupGpu);

// The losses' and linear's fixture runners are in test/helpers/fixture-ops.ts (shared with the browser tests).
for (const family of ['loss', 'linear']) {
  describe(`${family} vs PyTorch`, () => {
    for (const c of loadFixture(family, 'nn')) it(c.name, () => checkCase(c));
  });
}

describe('losses: errors and gradcheck', () => {
  it('errors name the op, the shapes and the fix', () => {
    const logits = wg.zeros([4, 3]);
    expect(() => wg.crossEntropy(logits, wg.zeros([4]))).toThrow(/crossEntropy: target must hold class indices as int32.*\.to\('int32'\)/);
    expect(() => wg.nllLoss(logits, wg.zeros([5], 'int32'))).toThrow(/nllLoss: log-probabilities \[4,3\] need a target of shape \[4\], got \[5\]/);
    expect(() => wg.crossEntropy(logits, wg.zeros([4], 'int32'), { weight: wg.ones([4]) })).toThrow(/one entry per class, \[3\], got \[4\]/);
    expect(() => wg.linear(wg.zeros([2, 4]), wg.zeros([3, 5]))).toThrow(/linear: input has 4 features but weight expects 5 \(input \[2,4\], weight \[3,5\]\)/);
  });

  it('gradcheck: weighted cross_entropy with ignore_index and label smoothing', async () => {
    const target = wg.tensor([1, -100, 3, 0], { dtype: 'int32' });
    const weight = wg.tensor([0.5, 1, 2, 1.5]);
    const x = wg.randn([4, 4]);
    const r = await wg.gradcheck((a) => wg.crossEntropy(a, target, { weight, labelSmoothing: 0.2 }), [x]);
    expect(r.ok, JSON.stringify(r)).toBe(true);
    for (const t of [target, weight, x]) t.dispose();
  });
});

describe('losses: targets out of range (checked on the GPU, thrown at the next readback)', () => {
  const logits = () => wg.tensor([[1, 2, 3], [1, 2, 3], [1, 2, 3], [1, 2, 3]]);

  it('crossEntropy: the next item() throws naming the target, the classes and the logits; the value is NaN', async () => {
    const x = logits();
    const target = wg.tensor([0, 2, 5, 1], { dtype: 'int32' });
    const loss = wg.crossEntropy(x, target);
    await expect(loss.item()).rejects.toThrow(
      'crossEntropy: target 5 is out of bounds for 3 classes (logits [4,3]), at target[2]; targets must be class indices in [0, 3) or ignoreIndex (-100)');
    // The error is reported once; what the loss holds is NaN, not a plausible number.
    expect(await loss.item()).toBeNaN();
    // The engine goes on: a valid target afterwards gives a number and no error.
    const good = wg.crossEntropy(x, wg.tensor([0, 2, 1, 1], { dtype: 'int32' }));
    expect(Number.isFinite(await good.item())).toBe(true);
  });

  it('several bad targets (negative, too large): counted, extremes and the first position; any readback throws', async () => {
    const x = wg.randn([2, 3, 2, 2]);
    const target = wg.tensor([[[0, 1], [2, 3]], [[-1, 0], [7, 1]]], { dtype: 'int32' });
    const loss = wg.crossEntropy(x, target, { reduction: 'none' });
    const unrelated = wg.tensor([1, 2]);
    await expect(unrelated.data()).rejects.toThrow(
      'crossEntropy: 3 targets (-1 to 7) are out of bounds for 3 classes (logits [2,3,2,2]), the first at target[0,1,1]');
    const values = Array.from(await loss.data());
    expect(values.map((v) => Number.isNaN(v))).toEqual([false, false, false, true, true, false, true, false]);
  });

  it('synchronize() throws too; ignoreIndex is not an error; weights and label smoothing keep the NaN', async () => {
    const x = logits();
    const ignored = wg.crossEntropy(x, wg.tensor([0, -100, 2, 1], { dtype: 'int32' }));
    await wg.synchronize();
    expect(Number.isFinite(await ignored.item())).toBe(true);
    const target = wg.tensor([0, 3, 1, 1], { dtype: 'int32' });
    const weighted = wg.crossEntropy(x, target, { weight: wg.tensor([1, 2, 3]), labelSmoothing: 0.1, ignoreIndex: 9 });
    await expect(wg.synchronize()).rejects.toThrow(/^crossEntropy: target 3 is out of bounds for 3 classes \(logits \[4,3\]\), at target\[1\]; .*ignoreIndex \(9\)$/);
    expect(await weighted.item()).toBeNaN();
  });

  it('nllLoss names the log-probabilities; a 0-d target is "target"', async () => {
    const loss = wg.nllLoss(wg.tensor([-1, -2, -3]), wg.tensor(4, { dtype: 'int32' }));
    await expect(loss.item()).rejects.toThrow(/^nllLoss: target 4 is out of bounds for 3 classes \(log-probabilities \[3\]\), at target;/);
  });

  it('backward through a bad target reports the same error once, and leaves no error behind', async () => {
    const x = wg.randn([4, 3], { requiresGrad: true });
    const loss = wg.crossEntropy(x, wg.tensor([0, 1, 2, 3], { dtype: 'int32' }));
    loss.backward();
    await expect(x.grad!.data()).rejects.toThrow(/^crossEntropy: target 3 is out of bounds for 3 classes \(logits \[4,3\]\), at target\[3\]; [^\n]*$/);
    await wg.synchronize();
  });

  it('gather, indexSelect and scatterAdd raise PyTorch\'s out-of-bounds error instead of clamping', async () => {
    const src = wg.tensor([[1, 2, 3], [4, 5, 6]]);
    const g = wg.gather(src, 1, wg.tensor([[0, 3], [1, 2]], { dtype: 'int32' }));
    await expect(g.data()).rejects.toThrow('gather: index 3 is out of bounds for dim 1 with size 3 (input [2,3], index [2,2]), at index[0,1]');
    expect(Array.from(await g.data()).map((v) => (Number.isNaN(v) ? 'NaN' : v))).toEqual([1, 'NaN', 5, 6]);
    const s = wg.indexSelect(src, 0, wg.tensor([1, 0, 2, -1], { dtype: 'int32' }));
    await expect(s.data()).rejects.toThrow('indexSelect: 2 indices (-1 to 2) are out of bounds for dim 0 with size 2 (input [2,3], index [4]), the first at index[2]');
    const ints = wg.indexSelect(wg.tensor([7, 8], { dtype: 'int32' }), 0, wg.tensor([1, 2], { dtype: 'int32' }));
    await expect(ints.data()).rejects.toThrow(/^indexSelect: index 2 is out of bounds/);
    expect(Array.from(await ints.data())).toEqual([8, 0]);
    const sc = wg.scatterAdd(wg.zeros([3]), 0, wg.tensor([0, 4, 2], { dtype: 'int32' }), wg.ones([3]));
    await expect(sc.data()).rejects.toThrow('scatterAdd: index 4 is out of bounds for dim 0 with size 3 (self [3], index [3]), at index[1]');
    expect(Array.from(await sc.data())).toEqual([1, 0, 1]);
    // In-range indices: no error, exact values.
    expect(await wg.gather(src, 1, wg.tensor([[2], [0]], { dtype: 'int32' })).toArray()).toEqual([[3], [4]]);
  });
});

describe('dropout', () => {
  it('training: zeroes about p of the elements, scales the rest by 1/(1-p)', async () => {
    wg.manualSeed(1);
    const x = wg.ones([64, 256]);
    const y = wg.dropout(x, 0.3);
    const v = await y.data();
    const kept = Array.from(v).filter((e) => e !== 0);
    expect(kept.every((e) => Math.abs(e - 1 / 0.7) < 1e-6)).toBe(true);
    // 16384 Bernoulli(0.7) draws: the kept fraction is within 5 standard deviations of 0.7.
    const sd = Math.sqrt(0.7 * 0.3 / v.length);
    expect(Math.abs(kept.length / v.length - 0.7)).toBeLessThan(5 * sd);
    x.dispose();
    y.dispose();
  });

  it('backward uses the forward mask', async () => {
    wg.manualSeed(2);
    const x = wg.randn([32, 32], { requiresGrad: true });
    const y = wg.dropout(x, 0.5);
    const g = wg.randn([32, 32]);
    y.backward(g);
    const [yv, xv, gv, dx] = await Promise.all([y.data(), x.data(), g.data(), x.grad!.data()]);
    for (let i = 0; i < yv.length; i++) {
      const kept = yv[i] !== 0;
      if (kept) expect(yv[i]).toBeCloseTo(2 * xv[i]!, 5);
      expect(dx[i]).toBeCloseTo(kept ? 2 * gv[i]! : 0, 5);
    }
    for (const t of [x, y, g]) t.dispose();
  });

  it('same seed, same mask; next draw, another mask', async () => {
    const x = wg.ones([1000]);
    wg.manualSeed(7);
    const a = await wg.dropout(x, 0.5).data();
    const b = await wg.dropout(x, 0.5).data();
    wg.manualSeed(7);
    const c = await wg.dropout(x, 0.5).data();
    expect(Array.from(c)).toEqual(Array.from(a));
    expect(Array.from(b)).not.toEqual(Array.from(a));
  });

  it('eval mode and p = 0 are the identity (gradient 1); p = 1 gives zeros (gradient 0)', async () => {
    const x = wg.tensor([1, -2, 3], { requiresGrad: true });
    expect(Array.from(await wg.dropout(x, 0.5, false).data())).toEqual([1, -2, 3]);
    const y = wg.dropout(x, 0);
    expect(Array.from(await y.data())).toEqual([1, -2, 3]);
    y.sum().backward();
    expect(Array.from(await x.grad!.data())).toEqual([1, 1, 1]);
    x.grad = null;
    const z = wg.dropout(x, 1);
    expect(Array.from(await z.data())).toEqual([0, 0, 0]);
    z.sum().backward();
    expect(Array.from(await x.grad!.data())).toEqual([0, 0, 0]);
    expect(() => wg.dropout(x, 1.5)).toThrow(/dropout: probability has to be between 0 and 1, but got 1.5/);
  });
});
