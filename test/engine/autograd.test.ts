import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import * as wg from '../../engine/index.js';
import { attach } from '../../engine/autograd/record.js';
import { setupGpu } from '../helpers/gpu.js';
import { collectGarbage } from '../helpers/gc.js';

beforeAll(setupGpu);

// First in the file: the warning is once per process (each test file runs in its own).
describe('.grad of a non-leaf: warned once, as in PyTorch; retainGrad() keeps it', () => {
  afterEach(() => vi.restoreAllMocks());

  it('reading .grad of a non-leaf warns once per process (and is null); leaves and retained non-leaves do not warn', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const x = wg.tensor([1, 2, 3], { requiresGrad: true });
    const y = x.mul(2);
    y.sum().backward();
    expect(x.grad).not.toBeNull();
    expect(wg.tensor([1]).grad).toBeNull();
    expect(warn).not.toHaveBeenCalled();
    expect(y.grad).toBeNull();
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).toMatch(/the \.grad of tensor\(\[3\], float32, gradFn=\w+\) is being read, but it is not a leaf tensor.*\.retainGrad\(\)/s);
    expect(y.grad).toBeNull();
    expect(x.add(1).grad).toBeNull();
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it('y = x.mul(2); y.retainGrad(); y.sum().backward(): y.grad is ones, x.grad twos, no warning', async () => {
    const warn = vi.spyOn(console, 'warn');
    const x = wg.tensor([1, 2, 3], { requiresGrad: true });
    const y = x.mul(2);
    expect(y.retainGrad()).toBe(y);
    expect(y.retainsGrad).toBe(true);
    y.sum().backward();
    expect(await y.grad!.toArray()).toEqual([1, 1, 1]);
    expect(await x.grad!.toArray()).toEqual([2, 2, 2]);
    expect(warn).not.toHaveBeenCalled();
  });

  it('a retained gradient sums every use and accumulates over backward calls; the root can retain its own', async () => {
    const x = wg.tensor([1, 2], { requiresGrad: true });
    const y = x.mul(3).retainGrad();
    const s = y.mul(y).sum().retainGrad();
    s.backward(undefined, { retainGraph: true });
    expect(await y.grad!.toArray()).toEqual([6, 12]); // d(y²)/dy = 2y, y = [3, 6]
    expect(await s.grad!.item()).toBe(1);
    s.backward();
    expect(await y.grad!.toArray()).toEqual([12, 24]);
    expect(await x.grad!.toArray()).toEqual([36, 72]); // 2 × (2y · 3)
  });

  it('retainGrad on a leaf is a no-op; on a tensor without grad it says why it cannot', () => {
    const leaf = wg.tensor([1], { requiresGrad: true });
    expect(leaf.retainGrad()).toBe(leaf);
    expect(() => wg.tensor([1]).retainGrad()).toThrow(/retainGrad: tensor\(\[1\], float32\) does not require grad/);
  });
});

describe('autograd', () => {
  it('accumulates .grad across backward calls and reduces broadcast gradients', async () => {
    const w = wg.tensor([[1, 2, 3]], { requiresGrad: true });
    const x = wg.tensor([[1], [2]]);
    w.mul(x).sum().backward();
    expect(await w.grad!.toArray()).toEqual([[3, 3, 3]]);
    w.mul(x).sum().backward();
    expect(await w.grad!.toArray()).toEqual([[6, 6, 6]]);
    expect(x.grad).toBeNull();
  });

  it('routes a gradient shared by both inputs to each without aliasing', async () => {
    const a = wg.tensor([1, 2], { requiresGrad: true });
    const b = wg.tensor([3, 4], { requiresGrad: true });
    a.add(b).sum().backward();
    a.add(b).sum().backward();
    expect(await a.grad!.toArray()).toEqual([2, 2]);
    expect(await b.grad!.toArray()).toEqual([2, 2]);
  });

  it('sums gradients of a tensor used twice (diamond)', async () => {
    const x = wg.tensor([2, 3], { requiresGrad: true });
    const y = x.mul(x);
    y.add(y.mul(3)).sum().backward();
    expect(await x.grad!.toArray()).toEqual([16, 24]);
  });

  it('detach and noGrad stop the tape', () => {
    const x = wg.ones([2], 'float32', { requiresGrad: true });
    expect(x.mul(2).detach().requiresGrad).toBe(false);
    const y = wg.noGrad(() => x.mul(2));
    expect(y.requiresGrad).toBe(false);
    expect(y.gradFn).toBeNull();
  });

  it('explains backward of a non-scalar and of a freed graph', async () => {
    const x = wg.ones([3], 'float32', { requiresGrad: true });
    expect(() => x.mul(2).backward()).toThrow(/grad can be implicitly created only for scalar outputs.*\[3\]/);
    const y = x.exp().sum();
    y.backward();
    expect(() => y.backward()).toThrow(/backward through the graph a second time.*retainGraph/);
    const z = x.exp().sum();
    z.backward(undefined, { retainGraph: true });
    z.backward();
    expect(await x.grad!.data()).toHaveLength(3);
    expect(() => wg.ones([2]).sum().backward()).toThrow(/does not require grad/);
  });

  it('refuses a saved tensor modified in place', () => {
    const x = wg.ones([2], 'float32', { requiresGrad: true });
    const h = x.mul(1);
    const y = h.mul(h).sum();
    wg.noGrad(() => h.mul_(2));
    expect(() => y.backward()).toThrow(/modified in place after it was saved/);
  });

  it('backward(grad) for non-scalar outputs', async () => {
    const x = wg.tensor([1, 2, 3], { requiresGrad: true });
    x.mul(2).backward(wg.tensor([1, 0, -1]));
    expect(await x.grad!.toArray()).toEqual([2, 0, -2]);
  });
});

describe('memory', () => {
  it('tidy frees intermediates and keeps what is returned', () => {
    const before = wg.memoryStats().liveTensors;
    const kept = wg.tidy(() => {
      const a = wg.ones([10]);
      const b = a.mul(2).add(1);
      return b.sum();
    });
    expect(wg.memoryStats().liveTensors).toBe(before + 1);
    kept.dispose();
    expect(wg.memoryStats().liveTensors).toBe(before);
  });

  it('`using` disposes at the end of the block (TC39 explicit resource management)', () => {
    const before = wg.memoryStats().liveTensors;
    let inner: wg.Tensor | undefined;
    {
      using t = wg.ones([8]);
      inner = t;
      expect(wg.memoryStats().liveTensors).toBe(before + 1);
    }
    expect(inner.disposed).toBe(true);
    expect(wg.memoryStats().liveTensors).toBe(before);
  });

  it('a graph is released when its output is disposed without backward', () => {
    const x = wg.ones([1000], 'float32', { requiresGrad: true });
    const before = wg.memoryStats();
    const loss = wg.tidy(() => x.exp().mul(2).tanh().sum());
    expect(wg.memoryStats().liveBytes).toBeGreaterThan(before.liveBytes);
    loss.dispose();
    expect(wg.memoryStats().liveBytes).toBe(before.liveBytes);
    expect(wg.memoryStats().liveTensors).toBe(before.liveTensors);
  });

  it('200 optimizer steps of a small model leave live tensors and bytes flat', async () => {
    wg.manualSeed(0);
    const w1 = wg.randn([16, 32], { std: 0.3, requiresGrad: true });
    const b1 = wg.zeros([32], 'float32', { requiresGrad: true });
    const w2 = wg.randn([32, 4], { std: 0.3, requiresGrad: true });
    const opt = new wg.SGD([w1, b1, w2], { lr: 0.05, momentum: 0.9 });
    const x = wg.randn([64, 16]);
    const y = wg.randint(0, 4, [64]);
    let at10: wg.MemoryStats | undefined;
    let lastLoss = 0;
    for (let step = 1; step <= 200; step++) {
      const loss = wg.tidy(() => {
        opt.zeroGrad();
        const l = wg.crossEntropy(x.matmul(w1).add(b1).relu().matmul(w2), y);
        l.backward();
        opt.step();
        return l.detach();
      });
      if (step % 50 === 0) lastLoss = await loss.item();
      loss.dispose();
      if (step === 10) {
        await collectGarbage();
        at10 = wg.memoryStats();
      }
    }
    await collectGarbage();
    const at200 = wg.memoryStats();
    expect(at200.liveTensors).toBe(at10!.liveTensors);
    expect(at200.liveBytes).toBe(at10!.liveBytes);
    expect(at200.allocatedBytes).toBe(at10!.allocatedBytes);
    expect(lastLoss).toBeLessThan(1.2);
  });
});

describe('gradcheck (central differences in f64 on the host)', () => {
  // Inputs: shapes (drawn from randn) or explicit values kept away from kinks (abs, relu, clamp, where).
  const cases: Array<[string, (...t: wg.Tensor[]) => wg.Tensor, Array<number[] | wg.NestedArray>]> = [
    ['matmul', (a, b) => a.matmul(b), [[3, 5], [5, 4]]],
    ['batched matmul with broadcast', (a, b) => wg.matmul(a, b), [[2, 3, 4], [4, 2]]],
    ['softmax', (a) => wg.softmax(a, 0), [[4, 3]]],
    ['logSoftmax', (a) => wg.logSoftmax(a, 1), [[3, 5]]],
    ['var', (a) => wg.variance(a, 1), [[3, 6]]],
    ['std over all', (a) => wg.std(a), [[2, 5]]],
    ['amax', (a) => wg.amax(a, [0]), [[4, 3]]],
    ['tanh·sigmoid', (a, b) => a.tanh().mul(b.sigmoid()), [[3, 4], [4]]],
    ['gelu', (a) => wg.gelu(a), [[7]]],
    ['div/pow', (a, b) => a.div(b.exp()).pow(2), [[3, 2], [3, 1]]],
    ['gather', (a) => wg.gather(a, 1, wg.tensor([[0, 2], [1, 1], [2, 0]], { dtype: 'int32' })), [[3, 3]]],
    ['cat/narrow', (a, b) => wg.cat([a, b], 1).narrow(1, 1, 3), [[2, 2], [2, 3]]],
    ['add/sub/mul with broadcast', (a, b) => a.add(b, { alpha: 2 }).mul(b).sub(a), [[3, 4], [4]]],
    ['exp/log/sqrt/rsqrt', (a) => a.exp().add(1).log().sqrt().add(0.5).rsqrt(), [[5]]],
    ['abs/relu/clamp', (a) => a.abs().add(a.relu()).clamp(-0.8, 0.9), [[[-1.3, -0.6, -0.2, 0.3, 0.7, 1.4]]]],
    ['maximum/minimum', (a, b) => wg.maximum(a, b).mul(wg.minimum(a, b)), [[2, 3], [3]]],
    ['where', (a, b) => wg.where(a.gt(0), a.mul(2), b), [[[[-1.2, 0.5, 2], [0.7, -0.4, -2]]], [2, 3]]],
    ['sum/mean over dims', (a) => a.sum([0, 2], { keepdim: true }).mul(a.mean(1, { keepdim: true })), [[2, 3, 4]]],
    ['max/min with dim', (a) => wg.max(a, 1).values.add(wg.min(a, 0, true).values.sum()), [[3, 4]]],
    ['scatterAdd', (a, b) => wg.scatterAdd(a, 1, wg.tensor([[0, 1, 0], [2, 2, 1]], { dtype: 'int32' }), b), [[2, 3], [2, 3]]],
    ['indexSelect', (a) => wg.indexSelect(a, 0, wg.tensor([2, 0, 2], { dtype: 'int32' })), [[3, 2]]],
    ['crossEntropy', (a) => wg.crossEntropy(a, wg.tensor([1, 0, 3], { dtype: 'int32' })), [[3, 4]]],
    ['stack/permute/expand', (a, b) => wg.stack([a, b], 0).permute(2, 0, 1).expand(2, 3, 2, 2), [[2, 3], [2, 3]]],
    ['transpose in matmul backward', (a, b) => a.T.matmul(b.T), [[4, 3], [5, 4]]],
    ['number operands on either side', (a) => wg.sub(1, a).mul(2.5).add(wg.div(2, a.exp())).add(wg.pow(1.5, a)).add(a.pow(3)), [[2, 3]]],
    ['stepped slice', (a) => a.slice(1, 1, 7, 2).mul(a.slice(1, 0, 3)), [[2, 7]]],
  ];
  for (const [name, fn, shapes] of cases) {
    it(name, async () => {
      wg.manualSeed(7);
      const inputs = shapes.map((s) => (Array.isArray(s) && Array.isArray(s[0]) ? wg.tensor(s[0] as wg.NestedArray) : wg.randn(s as number[])));
      const result = await wg.gradcheck(fn, inputs, { eps: 1e-2, atol: 2e-3, rtol: 2e-2 });
      expect(result.ok, JSON.stringify(result.worst)).toBe(true);
    });
  }
});

describe('gradient routing', () => {
  it('one gradient handle returned for two leaves that already have .grad (second step)', async () => {
    const a = wg.tensor([1, 2], { requiresGrad: true });
    const b = wg.tensor([3, 4], { requiresGrad: true });
    // An op whose backward hands the very same tensor to both inputs.
    const sumOfTwo = (x: wg.Tensor, y: wg.Tensor) => {
      const out = wg.noGrad(() => x.add(y));
      return attach(out, 'SharedGradBackward', [x, y], (g) => {
        const shared = g.mul(1);
        return [shared, shared];
      });
    };
    for (let step = 0; step < 3; step++) sumOfTwo(a, b).mul(2).sum().backward();
    expect(await a.grad!.toArray()).toEqual([6, 6]);
    expect(await b.grad!.toArray()).toEqual([6, 6]);
  });
});
