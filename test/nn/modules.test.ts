// nn.Module and the layers: PyTorch's state-dict keys (test/fixtures/optim/modules.json),
// default initialisations, strict loading errors, train/eval behaviour, memory.

import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as wg from '../../engine/index.js';
import { nn, type Tensor } from '../../engine/index.js';
import { setupGpu } from '../helpers/gpu.js';

beforeAll(setupGpu);

const keysFixture = JSON.parse(readFileSync(new URL('../fixtures/optim/modules.json', import.meta.url), 'utf8')) as {
  stateDict: Array<{ key: string; shape: number[]; dtype: string }>; parameters: string[]; modules: string[];
};

/** The generator's KeysModel. */
class KeysModel extends nn.Module {
  features = this.registerModule('features', new nn.Sequential(new nn.Conv2d(3, 4, 3, { padding: 1 }), new nn.BatchNorm2d(4), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(4, 6, 3, { bias: false }), new nn.BatchNorm2d(6), new nn.AdaptiveAvgPool2d(1), new nn.Flatten()));
  lstm = this.registerModule('lstm', new nn.LSTM(6, 5, { numLayers: 2, batchFirst: true }));
  heads = this.registerModule('heads', new nn.ModuleList([new nn.Linear(5, 3), new nn.Sequential(new nn.Dropout(0.5), new nn.Linear(5, 2, false))]));
  bn1d = this.registerModule('bn1d', new nn.BatchNorm1d(5));
  lstmNoBias = this.registerModule('lstm_nobias', new nn.LSTM(3, 2, { bias: false }));

  forward(x: Tensor): Tensor {
    return x;
  }
}

async function stats(t: Tensor): Promise<{ min: number; max: number; mean: number; std: number }> {
  const v = await t.data();
  let min = Infinity; let max = -Infinity; let sum = 0; let sq = 0;
  for (const x of v) { min = Math.min(min, x); max = Math.max(max, x); sum += x; sq += x * x; }
  const mean = sum / v.length;
  return { min, max, mean, std: Math.sqrt(sq / v.length - mean * mean) };
}

describe('nn.Module', () => {
  it('a subclass without forward (plain JS) says so by class name when called', () => {
    // What a JS user writes: TypeScript's abstract check does not exist there.
    const Base = nn.Module as unknown as new () => Pick<nn.Module, 'call' | 'forward'>;
    class MyNet extends Base {}
    const net = new MyNet();
    const x = wg.ones([2]);
    const message = 'MyNet: forward() is not defined; define forward(x) in your nn.Module subclass';
    expect(() => net.call(x)).toThrow(message);
    expect(() => net.forward(x)).toThrow(message);
    expect(() => new nn.Sequential(new nn.Identity(), net as unknown as nn.Module).call(x)).toThrow(message);
    // The fallback is not an own property or an attribute; a forward defined any way wins
    // (the built-in layers define it as a method; a JS class field works as well).
    expect(Object.keys(net)).not.toContain('forward');
    class Twice extends Base {
      forward = (t: Tensor) => t.mul(2);
    }
    expect(new Twice().call(x)).toBeInstanceOf(wg.Tensor);
  });

  it('state-dict keys, shapes and order match PyTorch for conv+bn+lstm+linear', () => {
    const m = new KeysModel();
    const sd = m.stateDict();
    expect([...sd.keys()]).toEqual(keysFixture.stateDict.map((k) => k.key));
    for (const k of keysFixture.stateDict) {
      expect([...sd.get(k.key)!.shape], k.key).toEqual(k.shape);
      // PyTorch's num_batches_tracked is int64; ours is int32.
      expect(sd.get(k.key)!.dtype, k.key).toBe(k.dtype === 'int64' ? 'int32' : k.dtype);
    }
    expect(m.namedParameters().map(([n]) => n)).toEqual(keysFixture.parameters);
    expect([...m.namedModules()].map(([n]) => n)).toEqual(keysFixture.modules);
    expect(m.children().length).toBe(5);
    expect(m.parameters().every((p) => p.requiresGrad && p.isLeaf)).toBe(true);
    expect(m.namedBuffers().map(([n]) => n)).toContain('bn1d.num_batches_tracked');
    m.dispose();
  });

  it('default initialisations follow PyTorch: kaiming_uniform(a=√5), fan-in bias, BN ones/zeros, LSTM ±1/√H', async () => {
    wg.manualSeed(3);
    const lin = new nn.Linear(400, 300);
    const conv = new nn.Conv2d(8, 64, [3, 5], { groups: 2 });
    const bn = new nn.BatchNorm2d(7);
    const rnn = new nn.LSTM(10, 20, { numLayers: 2 });
    const uniformCheck = async (t: Tensor, bound: number, what: string) => {
      const s = await stats(t);
      expect(s.min, what).toBeGreaterThanOrEqual(-bound);
      expect(s.max, what).toBeLessThanOrEqual(bound);
      // Uniform(±b): the extremes approach b, the std is b/√3.
      expect(s.max, what).toBeGreaterThan(bound * (t.numel > 1000 ? 0.99 : 0.8));
      expect(Math.abs(s.std - bound / Math.sqrt(3)) / (bound / Math.sqrt(3)), what).toBeLessThan(t.numel > 1000 ? 0.03 : 0.2);
      expect(Math.abs(s.mean), what).toBeLessThan(bound * (t.numel > 1000 ? 0.03 : 0.2));
    };
    await uniformCheck(lin.weight, 1 / Math.sqrt(400), 'Linear.weight');
    await uniformCheck(lin.bias!, 1 / Math.sqrt(400), 'Linear.bias');
    expect(conv.weight.shape).toEqual([64, 4, 3, 5]);
    await uniformCheck(conv.weight, 1 / Math.sqrt(4 * 15), 'Conv2d.weight');
    await uniformCheck(conv.bias!, 1 / Math.sqrt(4 * 15), 'Conv2d.bias');
    expect(await bn.weight!.toArray()).toEqual(Array(7).fill(1));
    expect(await bn.bias!.toArray()).toEqual(Array(7).fill(0));
    expect(await bn.runningVar!.toArray()).toEqual(Array(7).fill(1));
    expect(await bn.numBatchesTracked!.item()).toBe(0);
    for (const [name, p] of rnn.namedParameters()) await uniformCheck(p, 1 / Math.sqrt(20), `LSTM.${name}`);
    expect(rnn.layers[1]!.weightIh.shape).toEqual([80, 20]);
    // Seeded: the same seed gives the same weights.
    wg.manualSeed(3);
    const again = new nn.Linear(400, 300);
    expect(await again.weight.toArray()).toEqual(await lin.weight.toArray());
    for (const m of [lin, conv, bn, rnn, again]) m.dispose();
  });

  it('loadStateDict takes what loadTorch returns (no cast) and names what is not a state dict', async () => {
    const m = new nn.Linear(2, 2);
    const bytes = await wg.serializeTorch(m.stateDict());
    expect(m.loadStateDict(await wg.parseTorch(bytes))).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(() => m.loadStateDict(null)).toThrow('Linear.loadStateDict: expected a state dict (names → tensors), got null');
    expect(() => m.loadStateDict([1, 2])).toThrow('Linear.loadStateDict: expected a state dict (names → tensors), got a list');
    const wrapped = await wg.parseTorch(await wg.serializeTorch({ state_dict: m.stateDict(), epoch: 3 }));
    expect(() => m.loadStateDict(wrapped)).toThrow("Linear.loadStateDict: expected a state dict (names → tensors), but 'state_dict', 'epoch' are not a tensor; a checkpoint that wraps the weights (e.g. { state_dict: … }) needs that entry passed");
    m.dispose();
  });

  it('loadStateDict copies into the existing tensors and round-trips', async () => {
    const a = new nn.Sequential(new nn.Linear(3, 4), new nn.BatchNorm1d(4));
    const b = new nn.Sequential(new nn.Linear(3, 4), new nn.BatchNorm1d(4));
    const weight = b.at(0).parameters()[0]!;
    b.loadStateDict(a.stateDict());
    expect(b.at(0).parameters()[0]).toBe(weight);
    expect(await weight.toArray()).toEqual(await (a.at(0) as nn.Linear).weight.toArray());
    // A plain object works too, and a missing num_batches_tracked is accepted (set to 0), as in PyTorch.
    const sd = Object.fromEntries(a.stateDict());
    delete sd['1.num_batches_tracked'];
    const bn = b.at(1) as nn.BatchNorm1d;
    bn.train();
    bn.call(wg.randn([5, 4])).dispose();
    expect(await bn.numBatchesTracked!.item()).toBe(1);
    expect(b.loadStateDict(sd)).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(await bn.numBatchesTracked!.item()).toBe(0);
    // Float values into the int32 counter are cast (PyTorch's int64 arrives converted).
    b.loadStateDict({ ...sd, '1.num_batches_tracked': wg.tensor(7, { dtype: 'float32' }) });
    expect(await bn.numBatchesTracked!.item()).toBe(7);
    a.dispose(); b.dispose();
  });

  it('strict loading lists missing keys, unexpected keys and shape mismatches at once', () => {
    const m = new nn.Sequential(new nn.Linear(3, 4), new nn.Linear(4, 2));
    const sd = m.stateDict();
    const bad = new Map(sd);
    bad.delete('0.bias');
    bad.delete('1.weight');
    bad.set('2.weight', wg.zeros([1]));
    bad.set('0.weight', wg.zeros([4, 5]));
    let message = '';
    try { m.loadStateDict(bad); } catch (e) { message = (e as Error).message; }
    expect(message).toContain('error(s) in loading state_dict for Sequential');
    expect(message).toContain('Missing key(s) in state_dict: "0.bias", "1.weight".');
    expect(message).toContain('Unexpected key(s) in state_dict: "2.weight".');
    expect(message).toContain('size mismatch for 0.weight: copying a param with shape [4,5] from checkpoint, the shape in current model is [4,3].');
    // Non-strict: key problems are reported, not thrown; shape mismatches still throw.
    bad.set('0.weight', sd.get('0.weight')!);
    expect(m.loadStateDict(bad, { strict: false })).toEqual({ missingKeys: ['0.bias', '1.weight'], unexpectedKeys: ['2.weight'] });
    bad.set('1.bias', wg.zeros([3]));
    expect(() => m.loadStateDict(bad, { strict: false })).toThrow(/size mismatch for 1.bias/);
    m.dispose();
  });

  it('train()/eval() switch dropout and batch norm', async () => {
    const m = new nn.Sequential(new nn.BatchNorm1d(3), new nn.Dropout(0.5));
    expect(m.training).toBe(true);
    const x = wg.tensor([[1, 2, 3], [3, 6, 9], [5, 10, 15], [7, 14, 21]]);
    // Training: batch statistics (each column normalised) and dropout zeros some outputs.
    const y = await m.call(x).data();
    expect(y.some((v) => v === 0)).toBe(true);
    const bn = m.at(0) as nn.BatchNorm1d;
    const mean = await bn.runningMean!.data();
    expect(Math.abs(mean[0]! - 0.4)).toBeLessThan(1e-6);  // 0.9·0 + 0.1·4
    expect(await bn.numBatchesTracked!.item()).toBe(1);
    m.eval();
    expect(m.modules().every((mod) => !mod.training)).toBe(true);
    // Eval: running statistics, no dropout, no counter update: deterministic.
    const e1 = await m.call(x).data();
    const e2 = await m.call(x).data();
    expect([...e1]).toEqual([...e2]);
    const rv = await bn.runningVar!.data();
    const expect0 = (1 - mean[0]!) / Math.sqrt(rv[0]! + 1e-5);
    expect(Math.abs(e1[0]! - expect0)).toBeLessThan(1e-5);
    expect(await bn.numBatchesTracked!.item()).toBe(1);
    m.train();
    expect(m.at(1).training).toBe(true);
    x.dispose(); m.dispose();
  });

  it('forward of every layer: shapes, gradients reach the parameters, zeroGrad clears them', () => {
    const m = new nn.Sequential(new nn.Conv2d(2, 3, 3, { padding: 1, stride: 2 }), new nn.BatchNorm2d(3), new nn.ReLU(),
      new nn.MaxPool2d(2), new nn.AvgPool2d(1), new nn.AdaptiveAvgPool2d([1, 1]), new nn.Flatten(), new nn.Identity(), new nn.Linear(3, 2));
    const y = m.call(wg.randn([2, 2, 8, 8]));
    expect(y.shape).toEqual([2, 2]);
    y.sum().backward();
    expect(m.parameters().every((p) => p.grad !== null)).toBe(true);
    m.zeroGrad();
    expect(m.parameters().every((p) => p.grad === null)).toBe(true);
    const rnn = new nn.LSTM(3, 4, { numLayers: 2, dropout: 0.3 });
    const [out, [h, c]] = rnn.call(wg.randn([5, 2, 3]));
    expect([out.shape, h.shape, c.shape]).toEqual([[5, 2, 4], [2, 2, 4], [2, 2, 4]]);
    m.dispose(); rnn.dispose();
  });

  it('errors name the layer, the shapes and the fix', () => {
    const bn = new nn.BatchNorm2d(4);
    expect(() => bn.call(wg.zeros([2, 4, 3]))).toThrow(/BatchNorm2d: expected 4D input, got 3D input \[2,4,3\]/);
    expect(() => bn.call(wg.zeros([2, 3, 3, 3]))).toThrow(/input has 3 channels but the layer expects 4/);
    expect(() => new nn.Conv2d(3, 4, 3, { groups: 2 })).toThrow(/must be divisible by groups/);
    expect(() => new nn.LSTM(3, 4, { bidirectional: true })).toThrow(/bidirectional/);
    expect(() => new nn.LSTM(3, 4).call(wg.zeros([5, 3]))).toThrow(/expected a 3-D input/);
    expect(() => new nn.Linear(3, 4).to('f16')).toThrow(/only float32 modules are supported/);
    expect(() => new nn.ModuleList().forward()).toThrow(/has no forward/);
    expect(String(new nn.Sequential(new nn.Linear(3, 4), new nn.ReLU()))).toBe('Sequential(\n  (0): Linear(in_features=3, out_features=4, bias=True)\n  (1): ReLU()\n)');
    bn.dispose();
  });

  it('gradcheck through a module stack (conv → bn → relu → flatten → linear, LSTM)', async () => {
    wg.manualSeed(11);
    const m = new nn.Sequential(new nn.Conv2d(2, 3, 2), new nn.BatchNorm2d(3), new nn.ReLU(), new nn.Flatten(), new nn.Linear(12, 2));
    const x = wg.randn([2, 2, 3, 3], { requiresGrad: true });
    const r = await wg.gradcheck((input) => m.call(input), [x]);
    expect(r.ok, JSON.stringify(r)).toBe(true);
    const rnn = new nn.LSTM(3, 2, { numLayers: 2, batchFirst: true });
    const seq = wg.randn([2, 3, 3], { requiresGrad: true });
    const r2 = await wg.gradcheck((input) => rnn.call(input)[0], [seq]);
    expect(r2.ok, JSON.stringify(r2)).toBe(true);
    m.dispose(); rnn.dispose(); x.dispose(); seq.dispose();
  });

  it('dispose() frees every parameter and buffer', () => {
    const before = wg.memoryStats().liveTensors;
    const m = new nn.Sequential(new nn.Linear(3, 4), new nn.BatchNorm1d(4), new nn.LSTM(4, 2));
    expect(wg.memoryStats().liveTensors).toBeGreaterThan(before);
    m.dispose();
    expect(wg.memoryStats().liveTensors).toBe(before);
  });
});

describe('attribute assignment registers, as in PyTorch', () => {
  it('adopts modules and nn.Parameter attributes in assignment order', () => {
    class Net extends nn.Module {
      conv = new nn.Conv2d(3, 4, 3);
      scale = nn.Parameter(wg.ones([4]));
      notAParameter = wg.zeros([2]);
      head = new nn.Linear(4, 2);
      forward(x: wg.Tensor) { return x; }
    }
    const net = new Net();
    expect([...net.stateDict().keys()]).toEqual(['scale', 'conv.weight', 'conv.bias', 'head.weight', 'head.bias']);
    expect(net.parameters()).toHaveLength(5);
    net.head = new nn.Linear(4, 3);
    expect(net.stateDict().get('head.weight')!.shape).toEqual([3, 4]);
  });
});
