// Adam, AdamW and SGD against torch.optim over 5 steps (test/fixtures/optim/optimizers.json):
// parameters and every state tensor after each step, then state-dict resume and clipping.

import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as wg from '../../engine/index.js';
import { optim, type Tensor } from '../../engine/index.js';
import { closeEnough } from '../helpers/compare.js';
import type { FixtureTensor } from '../helpers/fixtures.js';
import { setupGpu } from '../helpers/gpu.js';
import { settledMemory } from '../helpers/gc.js';

beforeAll(setupGpu);

interface Step { grads: FixtureTensor[]; params: FixtureTensor[]; state: Array<Record<string, FixtureTensor | number>> }
interface OptCase {
  name: string; optimizer: 'Adam' | 'AdamW' | 'SGD'; options: Record<string, unknown>; groups?: Array<Record<string, unknown>>;
  initial: FixtureTensor[]; steps: Step[]; rtol: number; atol: number;
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/optim/optimizers.json', import.meta.url), 'utf8')) as { cases: OptCase[] };
const toTensor = (f: FixtureTensor, requiresGrad = false) => wg.tensor(f.data as number[], { shape: f.shape, requiresGrad });

function build(c: OptCase, params: Tensor[]): optim.Optimizer<optim.BaseOptions> {
  const arg = c.groups ? [{ params: params.slice(0, 1), ...c.groups[0] }, { params: params.slice(1), ...c.groups[1] }] : params;
  const Ctor = optim[c.optimizer] as unknown as new (p: unknown, o: unknown) => optim.Optimizer<optim.BaseOptions>;
  return new Ctor(arg, c.optimizer === 'SGD' ? { lr: 1e-3, ...c.options } : c.options);
}

async function compareStep(c: OptCase, opt: optim.Optimizer<optim.BaseOptions>, params: Tensor[], s: Step, k: number) {
  const tol = { atol: c.atol, rtol: c.rtol };
  for (let i = 0; i < params.length; i++) {
    closeEnough(await params[i]!.data(), s.params[i]!.data, tol, `${c.name} step ${k + 1}: param ${i}`);
    const state = opt.stateOf(params[i]!) ?? {};
    expect(Object.keys(state).sort(), `${c.name} step ${k + 1}: state keys of param ${i}`).toEqual(Object.keys(s.state[i]!).sort());
    for (const [key, want] of Object.entries(s.state[i]!)) {
      if (typeof want === 'number') expect(state[key], `${c.name}: ${key}`).toBe(want);
      else closeEnough(await (state[key] as Tensor).data(), want.data, tol, `${c.name} step ${k + 1}: ${key} of param ${i}`);
    }
  }
}

describe('optimizers vs torch.optim (5 steps, rtol 1e-6, atol 1e-6)', () => {
  for (const c of fixture.cases) {
    it(c.name, async () => {
      const params = c.initial.map((f) => toTensor(f, true));
      const opt = build(c, params);
      for (const [k, s] of c.steps.entries()) {
        params.forEach((p, i) => (p.grad = toTensor(s.grads[i]!)));
        opt.step();
        await compareStep(c, opt, params, s, k);
      }
      opt.dispose();
      for (const p of params) { p.grad = null; p.dispose(); }
    });
  }

  it('resumes exactly from stateDict/loadStateDict (Adam amsgrad, SGD momentum)', async () => {
    for (const name of ['adam/amsgrad', 'adam/param_groups', 'sgd/nesterov_weight_decay']) {
      const c = fixture.cases.find((x) => x.name === name)!;
      const params = c.initial.map((f) => toTensor(f, true));
      const first = build(c, params);
      for (const s of c.steps.slice(0, 2)) {
        params.forEach((p, i) => (p.grad = toTensor(s.grads[i]!)));
        first.step();
      }
      const sd = first.stateDict();
      expect(sd.param_groups.map((g) => g.params)).toEqual(c.groups ? [[0], [1, 2]] : [[0, 1, 2]]);
      if (c.optimizer !== 'SGD') expect(sd.param_groups[0]).toHaveProperty('weight_decay');
      // A new optimizer over copies of the parameters, resumed from the state dict.
      const copies = params.map((p) => p.detach().clone().requiresGrad_());
      const second = build({ ...c, options: { ...c.options, lr: 0.123 } }, copies);
      second.loadStateDict(sd);
      first.dispose();
      expect(second.paramGroups[0]!.lr).toBe(c.groups?.[0]?.lr ?? c.options.lr ?? 1e-3);
      for (const [k, s] of c.steps.slice(2).entries()) {
        copies.forEach((p, i) => (p.grad = toTensor(s.grads[i]!)));
        second.step();
        await compareStep(c, second, copies, s, k + 2);
      }
      second.dispose();
      for (const p of [...params, ...copies]) { p.grad = null; p.dispose(); }
    }
  });

  it('rejects bad options and parameters with the reason', () => {
    const p = wg.zeros([2], 'float32', { requiresGrad: true });
    expect(() => new optim.Adam([p], { lr: -1 })).toThrow(/Adam: invalid learning rate: -1/);
    expect(() => new optim.Adam([p], { betas: [0.9, 1] })).toThrow(/invalid beta parameter at index 1/);
    expect(() => new optim.SGD([p], { lr: 0.1, nesterov: true })).toThrow(/Nesterov momentum requires a momentum/);
    expect(() => new optim.AdamW([{ params: [p] }, { params: [p] }])).toThrow(/more than one parameter group/);
    expect(() => new optim.Adam([wg.zeros([2])])).toThrow(/does not require grad/);
    const opt = new optim.Adam([p]);
    expect(() => opt.loadStateDict({ state: new Map(), param_groups: [] })).toThrow(/0 parameter groups, this optimizer 1/);
    p.dispose();
  });

  it('zeroGrad clears gradients; parameters without a gradient are skipped', async () => {
    const a = wg.tensor([1, 2], { requiresGrad: true });
    const b = wg.tensor([3, 4], { requiresGrad: true });
    const opt = new optim.Adam([a, b], { lr: 0.1 });
    a.grad = wg.tensor([1, -1]);
    opt.step();
    expect(await b.toArray()).toEqual([3, 4]);
    expect(opt.stateOf(b)).toBeUndefined();
    closeEnough(await a.data(), [0.9, 2.1], { atol: 1e-6, rtol: 1e-6 }, 'first Adam step is lr·sign(g)');
    opt.zeroGrad();
    expect(a.grad).toBeNull();
    opt.dispose(); a.dispose(); b.dispose();
  });
});

describe('memory', () => {
  it('Adam/AdamW/SGD steps with clipping keep live tensors and bytes flat', async () => {
    const p = wg.randn([1000], { requiresGrad: true });
    const q = wg.randn([7, 3], { requiresGrad: true });
    const opts = [new optim.Adam([p], { amsgrad: true }), new optim.AdamW([q]), new optim.SGD([p, q], { lr: 0.01, momentum: 0.9 })];
    const step = () => wg.tidy(() => {
      for (const o of opts) o.zeroGrad();
      p.square().sum().add(q.square().sum()).backward();
      optim.clipGradNorm([p, q], 1).dispose();
      for (const o of opts) o.step();
    });
    for (let i = 0; i < 3; i++) step();
    const before = await settledMemory();
    for (let i = 0; i < 30; i++) step();
    const after = await settledMemory();
    expect(after.liveTensors).toBe(before.liveTensors);
    expect(after.liveBytes).toBe(before.liveBytes);
    for (const o of opts) o.dispose();
    p.grad = null; q.grad = null; p.dispose(); q.dispose();
  });
});

describe('clipGradNorm', () => {
  it('returns the total norm as a tensor and scales the gradients as torch does', async () => {
    const a = wg.tensor([3, 4], { requiresGrad: true });
    const b = wg.tensor([[12]], { requiresGrad: true });
    a.grad = wg.tensor([3, 4]);
    b.grad = wg.tensor([[12]]);
    const total = optim.clipGradNorm([a, b], 6.5);
    expect(total.shape).toEqual([]);
    closeEnough([await total.item()], [13], { atol: 1e-5, rtol: 1e-6 }, 'total norm');
    const coef = 6.5 / (13 + 1e-6);
    closeEnough(await a.grad!.data(), [3 * coef, 4 * coef], { atol: 1e-6, rtol: 1e-6 }, 'clipped a');
    // Under the limit nothing changes; the infinity norm is the largest magnitude.
    const inf = optim.clipGradNorm([a, b], 100, Infinity);
    closeEnough([await inf.item()], [12 * coef], { atol: 1e-5, rtol: 1e-6 }, 'inf norm');
    closeEnough(await b.grad!.data(), [12 * coef], { atol: 1e-5, rtol: 1e-6 }, 'b unchanged');
    const l1 = optim.clipGradNorm([a, b], 100, 1);
    closeEnough([await l1.item()], [19 * coef], { atol: 1e-4, rtol: 1e-6 }, 'l1 norm');
    for (const t of [total, inf, l1, a, b]) t.dispose();
  });
});
