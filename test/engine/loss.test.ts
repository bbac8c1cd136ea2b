// Losses (cross_entropy, nll_loss, mse_loss) and linear vs PyTorch; dropout's semantics
// (not bit-equal to torch's RNG: statistics, mask reuse in backward, edge cases of p).
import { beforeAll, describe, expect, it } from 'vitest';
import * as wg from '../../engine/index.js';
import type { Tensor } from '../../engine/index.js';
import { checkCase, loadFixture, registerOps } from '../helpers/fixtures.js';
import { setupGpu } from '../helpers/gpu.js';

beforeAll(setupGpu);

type Kw = Record<string, unknown>;
const lossOptions = (xs: Tensor[], kw: Kw) => ({
  reduction: kw.reduction as wg.Reduction,
  ...(kw.weighted ? { weight: xs[2]! } : {}),
  ...(kw.ignoreIndex !== undefined ? { ignoreIndex: kw.ignoreIndex as number } : {}),
});

registerOps({
  crossEntropy: (xs, kw) => [wg.crossEntropy(xs[0]!, xs[1]!, { ...lossOptions(xs, kw), labelSmoothing: kw.labelSmoothing as number | undefined })],
  nllLoss: (xs, kw) => [wg.nllLoss(xs[0]!, xs[1]!, lossOptions(xs, kw))],
  mseLoss: (xs, kw) => {
    const [a, b] = kw.transposed ? [xs[0]!.transpose(0, 1), xs[1]!.transpose(0, 1)] : [xs[0]!, xs[1]!];
    return [wg.mseLoss(a, b, { reduction: kw.reduction as wg.Reduction })];
  },
  linear: (xs, kw) => [wg.linear(xs[0]!, xs[1]!, kw.bias ? xs[2]! : null)],
});

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
