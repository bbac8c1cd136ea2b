// startProfiling charges every kernel to a kernel family and to the module that ran it — forward
// kernels to the module whose forward dispatched them, backward kernels to the module whose forward
// recorded the graph node.
import { beforeAll, expect, it } from 'vitest';
import * as wg from '../../engine/index.js';
import { setupGpu } from '../helpers/gpu.js';

beforeAll(setupGpu);

it('reports time per kernel family and per layer, backward included', async () => {
  const model = new wg.nn.Sequential(new wg.nn.Conv2d(3, 4, 3), new wg.nn.ReLU(), new wg.nn.Flatten(), new wg.nn.Linear(4 * 6 * 6, 2));
  const x = wg.randn([2, 3, 8, 8]);
  const stop = wg.startProfiling(model.namedModules());
  const loss = model.call(x).sum();
  loss.backward();
  await wg.synchronize();
  await new Promise((r) => setTimeout(r, 50)); // timestamp readbacks resolve after the work
  const report = stop();
  const scopes = report.layers.map((l) => l.scope);
  expect(scopes).toEqual(expect.arrayContaining(['0', '1', '3']));
  const conv = report.layers.find((l) => l.scope === '0')!;
  expect(conv.families.map((f) => f.family).join(' ')).toMatch(/conv2d/);
  // The conv's grad-weight kernel ran in backward, outside any forward, and is still charged to layer 0.
  expect(conv.families.some((f) => /wgrad/.test(f.family))).toBe(true);
  expect(report.totalMs).toBeGreaterThan(0);
  expect(report.families.reduce((s, f) => s + f.ms, 0)).toBeCloseTo(report.totalMs, 6);
  for (const t of [x, loss]) t.dispose();
  model.dispose();
});
