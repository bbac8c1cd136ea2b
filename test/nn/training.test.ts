// The end-to-end check: a small conv → bn → relu → pool → LSTM → linear video model trained
// 20 Adam steps from PyTorch's initial weights on PyTorch's batches
// (test/fixtures/optim/training.json): the loss at every step within 1e-3 relative, and the
// final weights and running statistics close to PyTorch's.

import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as wg from '../../engine/index.js';
import { nn, optim, type Tensor } from '../../engine/index.js';
import { closeEnough } from '../helpers/compare.js';
import type { FixtureTensor } from '../helpers/fixtures.js';
import { setupGpu } from '../helpers/gpu.js';

beforeAll(setupGpu);

interface TrainingFixture {
  lr: number; initial: Record<string, FixtureTensor>; final: Record<string, FixtureTensor>;
  batches: Array<{ x: FixtureTensor; y: FixtureTensor }>; losses: number[]; rtol: number;
}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/optim/training.json', import.meta.url), 'utf8')) as TrainingFixture;
const toTensor = (f: FixtureTensor) => wg.tensor(f.data as number[], { shape: f.shape, dtype: f.dtype });

/** The generator's VideoNet, module for module. */
class VideoNet extends nn.Module {
  conv = this.registerModule('conv', new nn.Conv2d(3, 4, 3));
  bn = this.registerModule('bn', new nn.BatchNorm2d(4));
  pool = this.registerModule('pool', new nn.AdaptiveAvgPool2d(1));
  lstm = this.registerModule('lstm', new nn.LSTM(4, 5, { batchFirst: true }));
  drop = this.registerModule('drop', new nn.Dropout(0));
  fc = this.registerModule('fc', new nn.Linear(5, 3));

  forward(x: Tensor): Tensor {
    return wg.tidy(() => {
      const [b, t, ...frame] = x.shape as number[];
      const f = this.pool.call(this.bn.call(this.conv.call(x.reshape([b! * t!, ...frame]))).relu()).flatten(1).reshape([b!, t!, -1]);
      const [out] = this.lstm.call(f);
      return this.fc.call(this.drop.call(out.narrow(1, t! - 1, 1).squeeze(1)));
    });
  }
}

describe('20-step training vs PyTorch', () => {
  it('conv+bn+LSTM+linear with Adam: loss at every step within 1e-3 relative', async () => {
    const model = new VideoNet();
    const initial = new Map(Object.entries(fixture.initial).map(([k, f]) => [k, toTensor(f)]));
    model.loadStateDict(initial);
    for (const t of initial.values()) t.dispose();
    model.train();
    const opt = new optim.Adam(model.parameters(), { lr: fixture.lr });
    const losses: number[] = [];
    for (const batch of fixture.batches) {
      const x = toTensor(batch.x);
      const y = toTensor(batch.y);
      const loss = wg.tidy(() => {
        opt.zeroGrad();
        const l = wg.crossEntropy(model.call(x), y);
        l.backward();
        opt.step();
        return l.detach();
      });
      losses.push(await loss.item());
      for (const t of [x, y, loss]) t.dispose();
    }
    losses.forEach((l, i) => {
      const want = fixture.losses[i]!;
      expect(Math.abs(l - want) / Math.abs(want), `step ${i + 1}: loss ${l}, PyTorch ${want}`).toBeLessThanOrEqual(fixture.rtol);
    });
    // Final weights and BN statistics (looser: 20 steps of float32 drift). conv.bias is left
    // out (and bn.running_mean, which tracks it): a bias right before batch norm has a zero
    // gradient in exact arithmetic, so both libraries feed Adam rounding noise (~1e-9) that
    // it normalises into lr-sized steps. The loss does not depend on it.
    const sd = model.stateDict();
    for (const [key, want] of Object.entries(fixture.final)) {
      if (key === 'conv.bias' || key === 'bn.running_mean') continue;
      closeEnough(await sd.get(key)!.data(), want.data, { atol: 2e-4, rtol: 2e-3 }, `final ${key}`);
    }
    expect(await sd.get('bn.num_batches_tracked')!.item()).toBe(20);
    opt.dispose();
    model.dispose();
  });
});
