import { beforeAll, describe, expect, it } from 'vitest';
import * as wg from '../../engine/index.js';
import { setupGpu } from '../helpers/gpu.js';

beforeAll(setupGpu);

describe('creation', () => {
  it('builds tensors from nested arrays, typed arrays and scalars', async () => {
    const t = wg.tensor([[1, 2, 3], [4, 5, 6]]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.dtype).toBe('float32');
    expect(await t.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(await wg.tensor(Int32Array.from([1, -2]), { shape: [2, 1] }).toArray()).toEqual([[1], [-2]]);
    expect(await wg.tensor(3.5).item()).toBe(3.5);
    expect(await wg.tensor([true, false]).toArray()).toEqual([true, false]);
  });

  it('fills, ranges and linspace match PyTorch', async () => {
    expect(await wg.full([2, 2], 7).toArray()).toEqual([[7, 7], [7, 7]]);
    expect(await wg.zeros([3], 'int32').toArray()).toEqual([0, 0, 0]);
    expect(await wg.arange(2, 11, 3).toArray()).toEqual([2, 5, 8]);
    expect(Array.from(await wg.arange(0, 1, 0.25).data())).toEqual([0, 0.25, 0.5, 0.75]);
    const lin = Array.from(await wg.linspace(0, 1, 5).data());
    expect(lin).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(Array.from(await wg.linspace(-3, 7, 1).data())).toEqual([-3]);
  });

  it('rejects ragged arrays and mismatched shapes with the op name', () => {
    expect(() => wg.tensor([[1, 2], [3]])).toThrow(/tensor: ragged nested array/);
    expect(() => wg.tensor([1, 2, 3], { shape: [2, 2] })).toThrow(/tensor: 3 values do not fill shape \[2,2\]/);
  });

  it('handles empty tensors', async () => {
    const e = wg.zeros([0, 4]);
    expect(e.numel).toBe(0);
    expect(await e.toArray()).toEqual([]);
    expect(await wg.add(e, wg.ones([4])).data()).toHaveLength(0);
  });
});

describe('views copy nothing', () => {
  it('reshape/permute/narrow/expand share storage', async () => {
    const t = wg.arange(0, 24, 1, { dtype: 'float32' }).reshape(2, 3, 4);
    const p = t.permute(2, 0, 1);
    expect(p.storage).toBe(t.storage);
    expect(p.shape).toEqual([4, 2, 3]);
    expect(p.isContiguous()).toBe(false);
    expect((await p.contiguous().toArray() as number[][][])[1]![0]).toEqual([1, 5, 9]);
    const n = t.narrow(2, 1, 2);
    expect(n.storage).toBe(t.storage);
    expect(await n.toArray()).toEqual([[[1, 2], [5, 6], [9, 10]], [[13, 14], [17, 18], [21, 22]]]);
    const e = wg.tensor([1, 2]).unsqueeze(1).expand(2, 3);
    expect(e.strides).toEqual([1, 0]);
    expect(await e.toArray()).toEqual([[1, 1, 1], [2, 2, 2]]);
    expect(await t.slice(1, 0, 3, 2).narrow(2, 0, 1).toArray()).toEqual([[[0], [8]], [[12], [20]]]);
  });

  it('view() refuses incompatible strides; reshape() copies instead', () => {
    const t = wg.zeros([3, 4]).T;
    expect(() => t.view(12)).toThrow(/view: cannot view a tensor of shape \[4,3\].*use reshape/);
    expect(t.reshape(12).shape).toEqual([12]);
    expect(() => wg.zeros([3, 4]).reshape(5, -1)).toThrow(/reshape: shape \[5,-1\] is invalid for 12 elements/);
  });

  it('squeeze/unsqueeze/flatten', () => {
    const t = wg.zeros([2, 1, 3, 1]);
    expect(t.squeeze().shape).toEqual([2, 3]);
    expect(t.squeeze(1).shape).toEqual([2, 3, 1]);
    expect(t.unsqueeze(-1).shape).toEqual([2, 1, 3, 1, 1]);
    expect(t.flatten(1).shape).toEqual([2, 3]);
    expect(() => t.permute(0, 1)).toThrow(/permute: expected 4 dims for shape \[2,1,3,1\]/);
  });
});

describe('errors name the op and the shapes', () => {
  it('broadcast and matmul mismatches', () => {
    expect(() => wg.add(wg.zeros([2, 3]), wg.zeros([4]))).toThrow(/add: shapes \[2,3\] and \[4\] cannot be broadcast/);
    expect(() => wg.matmul(wg.zeros([2, 3]), wg.zeros([4, 5]))).toThrow(/matmul: shapes \[2,3\] and \[4,5\] cannot be multiplied/);
    expect(() => wg.sum(wg.zeros([2]), 3)).toThrow(/sum: dim 3 is out of range for a tensor of rank 1/);
  });

  it('use after dispose', () => {
    const t = wg.zeros([2]);
    t.dispose();
    expect(() => t.add(1)).toThrow(/add: the tensor \[2\] float32 was disposed/);
  });

  it('toString shows shape, dtype and gradFn', () => {
    const x = wg.ones([2], 'float32', { requiresGrad: true });
    expect(String(x)).toBe('tensor([2], float32, requiresGrad=true)');
    expect(String(x.mul(2))).toBe('tensor([2], float32, gradFn=MulBackward)');
  });
});

describe('random numbers', () => {
  it('are reproducible from a seed and differ between draws', async () => {
    wg.manualSeed(42);
    const a = await wg.randn([1000]).data();
    const b = await wg.randn([1000]).data();
    wg.manualSeed(42);
    const c = await wg.randn([1000]).data();
    expect(Array.from(c)).toEqual(Array.from(a));
    expect(Array.from(b)).not.toEqual(Array.from(a));
  });

  it('getRngState/setRngState resume the same stream (dropout included), through JSON', async () => {
    wg.manualSeed(7);
    await wg.rand([10]).data();
    const state = JSON.parse(JSON.stringify(wg.getRngState())) as wg.RngState;
    const next = await wg.dropout(wg.ones([64]), 0.5, true).data();
    wg.manualSeed(99);
    wg.setRngState(state);
    expect(Array.from(await wg.dropout(wg.ones([64]), 0.5, true).data())).toEqual(Array.from(next));
    expect(() => wg.setRngState({ seed: '-1', offset: '0' })).toThrow('setRngState: seed must be a decimal string from getRngState(), got "-1"');
  });

  it('have the right distributions', async () => {
    wg.manualSeed(1);
    const n = 200_000;
    const stats = (v: ArrayLike<number>) => {
      let s = 0; let s2 = 0;
      for (let i = 0; i < v.length; i++) { s += v[i]!; s2 += v[i]! * v[i]!; }
      const m = s / v.length;
      return { mean: m, std: Math.sqrt(s2 / v.length - m * m) };
    };
    const u = (await wg.rand([n]).data()) as Float32Array;
    expect(u.reduce((m, v) => Math.min(m, v), 1)).toBeGreaterThanOrEqual(0);
    expect(u.reduce((m, v) => Math.max(m, v), 0)).toBeLessThan(1);
    expect(stats(u).mean).toBeCloseTo(0.5, 2);
    const g = stats(await wg.randn([n], { mean: 2, std: 3 }).data());
    expect(g.mean).toBeCloseTo(2, 1);
    expect(g.std).toBeCloseTo(3, 1);
    expect(stats(await wg.bernoulli([n], 0.3).data()).mean).toBeCloseTo(0.3, 2);
    const r = await wg.randint(3, 7, [n]).data();
    expect(new Set(r)).toEqual(new Set([3, 4, 5, 6]));
  });
});
