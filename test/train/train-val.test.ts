// trainVal against the seed's train_val run in PyTorch (test/fixtures/generate_train.py): the same
// per-epoch losses and accuracies, learning-rate drops, best-weight copies and reloads, printed
// the same way, and the same final weights.

import { readFileSync } from 'node:fs';
import { beforeAll, expect, it } from 'vitest';
import * as wg from '../../engine/index.js';
import type { BatchSource, SourceBatch } from '../../pipeline/train/epoch.js';
import { pyFloat, trainVal } from '../../pipeline/train/train-val.js';
import { setupGpu } from '../helpers/gpu.js';

interface Fixture {
  data: { xTrain: number[][]; yTrain: number[]; xVal: number[][]; yVal: number[]; weight: number[][]; bias: number[] };
  settings: { epochs: number; lr: number; factor: number; patience: number; batchSize: number };
  loss_hist: { train: number[]; val: number[] };
  metric_hist: { train: number[]; val: number[] };
  log: string[];
  final: { weight: number[][]; bias: number[] };
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/train/train_val.json', import.meta.url), 'utf8')) as Fixture;

/** The fixture's fixed batches, in order, every epoch. */
function fixedSource(x: number[][], y: number[], batch: number): BatchSource {
  return {
    size: x.length,
    batchesPerEpoch: Math.ceil(x.length / batch),
    async *batches(_epoch: number, from: number): AsyncGenerator<SourceBatch> {
      for (let i = from * batch; i < x.length; i += batch) {
        yield { x: wg.tensor(x.slice(i, i + batch)), y: wg.tensor(y.slice(i, i + batch), { dtype: 'int32' }) };
      }
    },
  };
}

beforeAll(setupGpu);

it('pyFloat prints as Python does', () => {
  expect([3e-5, 0.001, 0.05, 1.5e-4, 1, 0.0015625].map(pyFloat)).toEqual(['3e-05', '0.001', '0.05', '0.00015', '1.0', '0.0015625']);
});

it('trainVal reproduces the seed\'s train_val: losses, accuracies, LR drops, best-weight copies and reloads, final weights', async () => {
  const { data, settings } = fixture;
  const model = new wg.nn.Linear(4, 3);
  model.loadStateDict({ weight: wg.tensor(data.weight), bias: wg.tensor(data.bias) });
  const optimizer = new wg.optim.Adam(model.parameters(), { lr: settings.lr });
  const scheduler = new wg.optim.ReduceLROnPlateau(optimizer, { mode: 'min', factor: settings.factor, patience: settings.patience });
  const lines: string[] = [];
  let bests = 0;
  const result = await trainVal({
    model, forward: (x) => model.call(x), optimizer, scheduler, epochs: settings.epochs,
    train: fixedSource(data.xTrain, data.yTrain, settings.batchSize), val: fixedSource(data.xVal, data.yVal, settings.batchSize),
    log: (line) => lines.push(line), onBest: async () => { bests++; },
  });
  expect(result.finished).toBe(true);
  const h = result.state.history;
  for (const [ours, theirs] of [[h.loss_hist.train, fixture.loss_hist.train], [h.loss_hist.val, fixture.loss_hist.val]]) {
    expect(ours).toHaveLength(theirs!.length);
    ours!.forEach((v, i) => expect(Math.abs(v - theirs![i]!), `epoch ${i}`).toBeLessThanOrEqual(1e-5 * Math.abs(theirs![i]!)));
  }
  expect(h.metric_hist).toEqual(fixture.metric_hist);
  // The printed log line for line: epoch headers with the learning rate, the copy/reload events, the
  // summary (6 decimals; within rounding of the last digit).
  const numbers = (l: string) => l.replace(/-?\d+\.\d{6}/g, (m) => Number(m).toFixed(4));
  expect(lines.map(numbers)).toEqual(fixture.log.map(numbers));
  expect(bests).toBe(fixture.log.filter((l) => l === 'Copied best model weights!').length);
  const w = await model.weight.data();
  fixture.final.weight.flat().forEach((v, i) => expect(Math.abs(w[i]! - v)).toBeLessThanOrEqual(1e-5));
  const b = await model.bias!.data();
  fixture.final.bias.forEach((v, i) => expect(Math.abs(b[i]! - v)).toBeLessThanOrEqual(1e-5));
  optimizer.dispose();
  model.dispose();
});
