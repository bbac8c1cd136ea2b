// lstm vs PyTorch (1 and 2 layers, batch_first, h0/c0, no bias, vec4 and scalar hidden
// sizes): output, hN, cN and the gradients of the input, h0, c0 and every weight; gradcheck.
import { beforeAll, describe, expect, it } from 'vitest';
import * as wg from '../../engine/index.js';
import type { Tensor } from '../../engine/index.js';
import { checkCase, loadFixture } from '../helpers/fixtures.js';
import { setupGpu } from '../helpers/gpu.js';
import { settledMemory } from '../helpers/gc.js';

beforeAll(setupGpu);

// lstm's fixture runner is in test/helpers/fixture-ops.ts (shared with the browser tests).
describe('lstm vs PyTorch', () => {
  for (const c of loadFixture('lstm', 'nn')) it(c.name, () => checkCase(c));
});

describe('lstm', () => {
  it('gradcheck: 2 layers, h0/c0, every input', async () => {
    wg.manualSeed(11);
    const [T, B, I, H] = [3, 2, 3, 4];
    const shapes = [[T, B, I], [2, B, H], [2, B, H], [4 * H, I], [4 * H, H], [4 * H], [4 * H], [4 * H, H], [4 * H, H], [4 * H], [4 * H]];
    const inputs = shapes.map((s) => wg.randn(s, { std: 0.5 }));
    const fn = (...t: Tensor[]) => {
      const r = wg.lstm(t[0]!, [
        { weightIh: t[3]!, weightHh: t[4]!, biasIh: t[5]!, biasHh: t[6]! },
        { weightIh: t[7]!, weightHh: t[8]!, biasIh: t[9]!, biasHh: t[10]! },
      ], { h0: t[1]!, c0: t[2]! });
      // Every output matters: output, hN and cN in one tensor.
      const out = wg.cat([r.output.reshape([-1]), r.hN.reshape([-1]), r.cN.reshape([-1])]);
      return out;
    };
    const r = await wg.gradcheck(fn, inputs, { eps: 1e-2, atol: 2e-3, rtol: 2e-2 });
    expect(r.ok, JSON.stringify(r)).toBe(true);
    for (const t of inputs) t.dispose();
  });

  it('batchFirst on [B, T, in] equals the time-major run on the transposed input', async () => {
    wg.manualSeed(6);
    const x = wg.randn([3, 5, 4]);
    const layer = { weightIh: wg.randn([12, 4], { std: 0.5 }), weightHh: wg.randn([12, 3], { std: 0.5 }) };
    const a = wg.lstm(x, [layer], { batchFirst: true });
    const xt = x.transpose(0, 1);
    const b = wg.lstm(xt, [layer]);
    const bOut = b.output.transpose(0, 1).contiguous();
    expect(Array.from(await a.output.data())).toEqual(Array.from(await bOut.data()));
    expect(Array.from(await a.cN.data())).toEqual(Array.from(await b.cN.data()));
    for (const t of [x, xt, layer.weightIh, layer.weightHh, a.output, a.hN, a.cN, b.output, b.hN, b.cN, bOut]) t.dispose();
  });

  it('training steps keep memory flat (every intermediate and saved tensor is freed)', async () => {
    const x = wg.randn([4, 3, 8], { requiresGrad: true });
    const h0 = wg.randn([2, 4, 4], { requiresGrad: true });
    const params = [[16, 8], [16, 4], [16], [16], [16, 4], [16, 4], [16], [16]].map((s) => wg.randn(s, { requiresGrad: true }));
    const step = () => wg.tidy(() => {
      const r = wg.lstm(x, [
        { weightIh: params[0]!, weightHh: params[1]!, biasIh: params[2]!, biasHh: params[3]! },
        { weightIh: params[4]!, weightHh: params[5]!, biasIh: params[6]!, biasHh: params[7]! },
      ], { h0, batchFirst: true });
      r.output.sum().add(r.cN.sum()).backward();
    });
    step();
    const before = await settledMemory();
    for (let i = 0; i < 5; i++) step();
    const after = await settledMemory();
    expect(after.liveTensors).toBe(before.liveTensors);
    expect(after.liveBytes).toBe(before.liveBytes);
    for (const t of [x, h0, ...params]) { t.grad = null; t.dispose(); }
  });

  it('errors name the op, the shapes and the fix', () => {
    const x = wg.zeros([4, 3, 5]);
    const layer = { weightIh: wg.zeros([28, 6]), weightHh: wg.zeros([28, 7]) };
    expect(() => wg.lstm(x, [layer])).toThrow(/lstm: layer 0 weightIh must be \[28,5\] for hidden size 7, got \[28,6\] \(input \[4,3,5\] has 5 features\)/);
    expect(() => wg.lstm(wg.zeros([4, 5]), [layer])).toThrow(/lstm: input must be \[T, B, in\]/);
    const ok = { weightIh: wg.zeros([28, 5]), weightHh: wg.zeros([28, 7]) };
    expect(() => wg.lstm(x, [ok], { h0: wg.zeros([2, 3, 7]) })).toThrow(/lstm: h0 must be \[numLayers, B, H\] = \[1,3,7\], got \[2,3,7\]/);
  });
});
