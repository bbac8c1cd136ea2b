// nn.checkpoint (activation recomputation) against the same computation recorded normally: equal
// gradients for inputs and parameters (bit for bit: the recomputation runs the same kernels on the
// same values), the same dropout mask in the recomputation, running statistics moved once, not twice;
// and ResNet's checkpointBlocks: the same loss, gradients and running statistics with less memory
// held between forward and backward.

import { beforeAll, describe, expect, it } from 'vitest';
import * as wg from '../../engine/index.js';
import { resnet18 } from '../../models/index.js';
import { setupGpu } from '../helpers/gpu.js';

beforeAll(setupGpu);

const values = async (ts: Array<wg.Tensor | null | undefined>) => Promise.all(ts.map(async (t) => (t ? Array.from(await t.data()) : null)));

describe('nn.checkpoint', () => {
  it('gives the gradients of the recorded computation, with dropout and a train-mode BatchNorm inside', async () => {
    const run = async (useCheckpoint: boolean) => {
      wg.manualSeed(5);
      const lin = new wg.nn.Linear(6, 8);
      const bn = new wg.nn.BatchNorm1d(8);
      const drop = new wg.nn.Dropout(0.5);
      const x = wg.randn([5, 6], { requiresGrad: true });
      const block = (t: wg.Tensor) => drop.call(bn.call(lin.call(t).relu()) as wg.Tensor) as wg.Tensor;
      wg.manualSeed(9); // the dropout mask comes from here in both runs
      const y = useCheckpoint ? wg.nn.checkpoint(block, [x], { preserve: [...bn.buffers()] }) : block(x);
      y.square().sum().backward();
      const out = await values([x.grad, lin.weight.grad, lin.bias!.grad, bn.weight!.grad, bn.runningMean, bn.runningVar, y]);
      for (const t of [x, y]) t.dispose();
      return out;
    };
    const plain = await run(false);
    const recomputed = await run(true);
    expect(recomputed).toEqual(plain);
    expect(plain[0]!.some((v) => v !== 0)).toBe(true);
  });

  it('runs fn as usual when no input requires grad (the parameters inside still get gradients)', async () => {
    const lin = new wg.nn.Linear(3, 2);
    const x = wg.randn([4, 3]);
    const y = wg.nn.checkpoint((t) => lin.call(t) as wg.Tensor, [x]);
    y.sum().backward();
    expect(lin.weight.grad).not.toBeNull();
    for (const t of [x, y]) t.dispose();
  });
});

describe('ResNet checkpointBlocks', () => {
  it('trains to the same loss, gradients and running statistics with less memory held for backward', async () => {
    const run = async (checkpointBlocks: boolean) => {
      wg.manualSeed(1);
      const model = resnet18({ numClasses: 4 });
      model.checkpointBlocks = checkpointBlocks;
      const x = wg.randn([2, 3, 48, 48]);
      const target = wg.tensor([1, 3], { dtype: 'int32' });
      const before = wg.memoryStats().liveBytes;
      const loss = wg.crossEntropy(model.call(x), target);
      const held = wg.memoryStats().liveBytes - before;
      loss.backward();
      const named = [...model.namedParameters()].filter(([k]) => k.startsWith('layer') || k.startsWith('conv1'));
      const grads = await values(named.map(([, p]) => p.grad));
      const stats = await values([...model.buffers()].filter((b) => b.dtype === 'float32'));
      const out = { loss: await loss.item(), grads, stats, held };
      for (const t of [x, target, loss]) t.dispose();
      model.dispose();
      return out;
    };
    const plain = await run(false);
    const recomputed = await run(true);
    expect(recomputed.loss).toBe(plain.loss);
    expect(recomputed.grads).toEqual(plain.grads);
    expect(recomputed.stats).toEqual(plain.stats);
    console.log(`resnet18 [2,3,48,48]: ${(plain.held / 2 ** 20).toFixed(1)} MiB held for backward, ${(recomputed.held / 2 ** 20).toFixed(1)} MiB with checkpointBlocks`);
    expect(recomputed.held).toBeLessThan(plain.held / 2);
  });
});
