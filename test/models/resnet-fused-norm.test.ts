// ResNet with its norm → (+ shortcut) → relu fused (a plain BatchNorm2d, or the per-time-step one)
// equals the same model run step by step (a BatchNorm2d subclass, which never fuses): outputs, every
// gradient and the running statistics after a training step, and eval outputs; the state dict is
// unchanged and the fused kernels are charged to the norm layer's profile scope.

import { beforeAll, describe, expect, it } from 'vitest';
import * as wg from '../../engine/index.js';
import { BasicBlock, Bottleneck, type NormLayer, ResNet, TimeStepBatchNorm2d, setBatchNormTimeSteps } from '../../models/index.js';
import { setupGpu } from '../helpers/gpu.js';

beforeAll(setupGpu);

/** Subclasses are never fused (a user's may override forward): the step-by-step reference. */
class StepwiseBatchNorm2d extends wg.nn.BatchNorm2d {}
class StepwiseTimeStepBatchNorm2d extends TimeStepBatchNorm2d {}

const plain: NormLayer = (c) => new wg.nn.BatchNorm2d(c);
const stepwise: NormLayer = (c) => new StepwiseBatchNorm2d(c);

/** Random BN affine parameters and running stats, so no layer is the identity. */
function randomizeNorms(model: wg.nn.Module): void {
  wg.noGrad(() => {
    for (const [name, t] of model.stateDict()) {
      if (name.endsWith('.weight') && t.rank === 1) t.copy_(wg.rand(t.shape as number[], { low: 0.5, high: 1.5 }));
      if (name.endsWith('.bias') && t.rank === 1) t.copy_(wg.randn(t.shape as number[]).mul(0.3));
      if (name.endsWith('running_mean')) t.copy_(wg.randn(t.shape as number[]).mul(0.2));
      if (name.endsWith('running_var')) t.copy_(wg.rand(t.shape as number[], { low: 0.5, high: 1.5 }));
    }
  });
}

interface StepResult { out: Float32Array; inputGrad: Float32Array; params: Map<string, Float32Array> }

async function trainStep(model: wg.nn.Module, x: wg.Tensor, g: wg.Tensor): Promise<StepResult> {
  model.train();
  const xi = x.detach();
  xi.requiresGrad = true;
  const out = model.call(xi) as wg.Tensor;
  out.backward(g);
  const params = new Map<string, Float32Array>();
  for (const [name, p] of model.namedParameters()) params.set(`${name}.grad`, await p.grad!.data() as Float32Array);
  for (const [name, t] of model.stateDict()) if (name.includes('running')) params.set(name, await t.data() as Float32Array);
  const result = { out: await out.data() as Float32Array, inputGrad: await xi.grad!.data() as Float32Array, params };
  model.zeroGrad();
  for (const t of [out, xi]) { t.grad = null; t.dispose(); }
  return result;
}

function expectClose(a: ArrayLike<number>, e: ArrayLike<number>, what: string, atol: number, rtol = 1e-4): void {
  expect(a.length, what).toBe(e.length);
  for (let i = 0; i < a.length; i++) {
    if (!(Math.abs(a[i]! - e[i]!) <= atol + rtol * Math.abs(e[i]!))) throw new Error(`${what}[${i}]: fused ${a[i]}, step by step ${e[i]} (atol ${atol}, rtol ${rtol})`);
  }
}

/** Builds the model twice (fused, stepwise) with the same weights and compares a train step and eval. */
async function compare(build: (norm: NormLayer) => wg.nn.Module, normFused: NormLayer, normStepwise: NormLayer, inputShape: number[], atol: number,
  setup: (m: wg.nn.Module) => void = () => {}): Promise<void> {
  wg.manualSeed(21);
  const fused = build(normFused);
  randomizeNorms(fused);
  const reference = build(normStepwise);
  reference.loadStateDict(fused.stateDict());
  expect([...reference.stateDict().keys()]).toEqual([...fused.stateDict().keys()]);
  for (const m of [fused, reference]) setup(m);
  const x = wg.randn(inputShape);
  fused.eval(); // eval: the probe for the output's shape leaves the running stats alone
  const probe = wg.noGrad(() => fused.call(x) as wg.Tensor);
  const g = wg.randn(probe.shape as number[]);
  probe.dispose();
  const a = await trainStep(fused, x, g);
  const b = await trainStep(reference, x, g);
  expectClose(a.out, b.out, 'output', atol);
  expectClose(a.inputGrad, b.inputGrad, 'input gradient', atol);
  expect([...a.params.keys()]).toEqual([...b.params.keys()]);
  for (const [name, v] of a.params) expectClose(v, b.params.get(name)!, name, atol);
  fused.eval();
  reference.eval();
  const ea = wg.noGrad(() => fused.call(x) as wg.Tensor);
  const eb = wg.noGrad(() => reference.call(x) as wg.Tensor);
  expectClose(await ea.data(), await eb.data(), 'eval output', atol);
  for (const t of [x, g, ea, eb]) t.dispose();
  fused.dispose();
  reference.dispose();
}

// Tolerances: the fused forward rounds x·scale + shift + residual once where the chain rounds it
// twice; through a few layers and their gradients that stays within 1e-4 absolute at these sizes.
describe('fused norm → add → relu equals the step-by-step model', () => {
  it('BasicBlock ResNet [1,1,1,1] (stem, identity and downsample shortcuts), train step and eval', async () => {
    await compare((norm) => new ResNet(BasicBlock, [1, 1, 1, 1], { numClasses: 5, normLayer: norm }), plain, stepwise, [2, 3, 32, 32], 1e-4);
  });

  it('Bottleneck ResNet [1,1,1,1], train step and eval', async () => {
    await compare((norm) => new ResNet(Bottleneck, [1, 1, 1, 1], { numClasses: 5, normLayer: norm }), plain, stepwise, [2, 3, 32, 32], 1e-4);
  });

  it('per-time-step batch norm (Resnt18Rnn\'s, T = 2), train step and eval', async () => {
    await compare((norm) => new ResNet(BasicBlock, [1, 1, 1, 1], { numClasses: 5, normLayer: norm }),
      (c) => new TimeStepBatchNorm2d(c), (c) => new StepwiseTimeStepBatchNorm2d(c), [4, 3, 32, 32], 1e-4,
      (m) => setBatchNormTimeSteps(m, 2));
  });
});

it('the fused kernels are charged to the norm layer (bn1, layer1.0.bn1, layer1.0.bn2 …); no relu runs, no add in the blocks', async () => {
  wg.manualSeed(2);
  const model = new ResNet(BasicBlock, [1, 1, 1, 1], { numClasses: 5 });
  const x = wg.randn([2, 3, 32, 32]);
  const stop = wg.startProfiling(model.namedModules());
  wg.tidy(() => (model.call(x) as wg.Tensor).sum().backward());
  await wg.synchronize();
  await new Promise((done) => setTimeout(done, 50)); // timestamp readbacks resolve after the work
  const report = stop();
  const families = (scope: string) => report.layers.find((l) => l.scope === scope)?.families.map((f) => f.family) ?? [];
  for (const scope of ['bn1', 'layer1.0.bn1', 'layer1.0.bn2', 'layer2.0.bn2']) {
    expect(families(scope), scope).toEqual(expect.arrayContaining(['batchnorm:partial', 'batchnorm:apply']));
  }
  // Left: fc's bias add and its gradient, and autograd summing the two gradients of each block's input.
  const chain = ['map:relu', 'map:relu_grad', 'map:add', 'map:add_grad'];
  const inBlocks = report.layers.filter((l) => /^(bn1|relu|layer)/.test(l.scope)).flatMap((l) => l.families.map((f) => `${l.scope} ${f.family}`));
  expect(inBlocks.filter((f) => chain.includes(f.split(' ')[1]!))).toEqual([]);
  expect(report.families.map((f) => f.family).filter((f) => f.startsWith('map:relu'))).toEqual([]);
  model.zeroGrad();
  x.dispose();
  model.dispose();
});
