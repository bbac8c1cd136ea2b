// Adam/AdamW's multi-tensor path (the default) against the single-tensor path (foreach: false),
// bit for bit over several steps: mixed shapes (lengths not divisible by 4, one element, empty,
// parameters bound in place and parameters packed into scratch, several dispatches and several
// moment buckets), parameters without a gradient on some steps (their own step counts), two
// groups with different options, AMSGrad, maximize, non-contiguous and misaligned gradients,
// and a state dict moving between the paths. Then the launch count, so that a return to one
// launch per parameter fails.

import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as wg from '../../engine/index.js';
import { optim, type Tensor } from '../../engine/index.js';
import { adamSlotsPerDispatch } from '../../engine/kernels/adam-multi.js';
import { PACK_BELOW } from '../../engine/optim/adam-foreach.js';
import { momentTuning } from '../../engine/optim/adam-moments.js';
import { setupGpu } from '../helpers/gpu.js';
import { generate } from '../helpers/prng.js';

beforeAll(setupGpu);
afterEach(() => { momentTuning.maxBucketElements = undefined; });

type AdamCtor = typeof optim.Adam | typeof optim.AdamW;
type Groups = Array<{ params: Tensor[] } & Partial<optim.AdamOptions>>;

const big = PACK_BELOW;
// Bound in place: [big], [300, 256] (non-contiguous gradient), six more [big]. Packed: 65537
// (not a multiple of 4), [3, 5], [1] (no gradient on the first two steps), [64, 3, 3, 3],
// [0, 3], and a [big] whose gradient starts at an odd offset.
const shapes = [[big + 4464], [300, 256], [big + 1], [3, 5], [1], [64, 3, 3, 3], [0, 3], [big], ...Array.from({ length: 6 }, () => [big])];
const numelOf = (s: number[]) => s.reduce((a, b) => a * b, 1);

function values(shape: number[], seed: number, half = 1): Float32Array {
  return generate({ key: '', shape, seed, center: 0, half });
}

function makeParams(): Tensor[] {
  return shapes.map((s, i) => wg.tensor(values(s, 1000 + i), { shape: s, requiresGrad: true }));
}

/** The gradient of parameter i at step t, or null when it gets none (2: every other step; 4: from step 2 on). */
function gradFor(i: number, t: number): Tensor | null {
  if ((i === 2 && t % 2 === 1) || (i === 4 && t < 2)) return null;
  const s = shapes[i]!;
  const seed = 7919 * (t + 1) + i;
  if (i === 1) return wg.tensor(values([256, 300], seed, 0.1), { shape: [256, 300] }).transpose(0, 1);
  if (i === 7) return wg.tensor(values([big + 3], seed, 0.1), { shape: [big + 3] }).narrow(0, 3, big);
  return wg.tensor(values(s, seed, 0.1), { shape: s });
}

function build(Ctor: AdamCtor, params: Tensor[], groups: (p: Tensor[]) => Groups, options: Partial<optim.AdamOptions>, foreach: boolean) {
  return new Ctor(groups(params).map((g) => ({ ...g, foreach })), options);
}

const bits = (a: Float32Array | Int32Array | Uint32Array) => new Uint32Array(a.buffer, a.byteOffset, a.length);

async function expectSameBits(a: Tensor, b: Tensor, what: string): Promise<void> {
  expect(a.shape, what).toEqual(b.shape);
  const [x, y] = [bits(await a.data()), bits(await b.data())];
  const at = x.findIndex((v, i) => v !== y[i]);
  if (at >= 0) {
    const f = (u: Uint32Array) => new Float32Array(u.buffer, u.byteOffset, u.length)[at];
    expect.fail(`${what}: element ${at} differs: ${f(x)} (multi-tensor) vs ${f(y)} (single-tensor)`);
  }
}

async function expectSameState(multi: optim.Optimizer<optim.BaseOptions>, single: optim.Optimizer<optim.BaseOptions>, pm: Tensor[], ps: Tensor[], when: string) {
  for (let i = 0; i < pm.length; i++) {
    await expectSameBits(pm[i]!, ps[i]!, `${when}: param ${i}`);
    const sm = multi.stateOf(pm[i]!) ?? {};
    const ss = single.stateOf(ps[i]!) ?? {};
    expect(Object.keys(sm).sort(), `${when}: state keys of param ${i}`).toEqual(Object.keys(ss).sort());
    for (const [key, v] of Object.entries(ss)) {
      if (typeof v === 'number') expect(sm[key], `${when}: ${key} of param ${i}`).toBe(v);
      else await expectSameBits(sm[key] as Tensor, v, `${when}: ${key} of param ${i}`);
    }
  }
}

function setGrads(params: Tensor[], t: number): void {
  params.forEach((p, i) => { p.grad = gradFor(i, t); });
}

function disposeAll(...lists: Tensor[][]): void {
  for (const list of lists) for (const p of list) { p.grad = null; p.dispose(); }
}

const cases: Array<{ name: string; Ctor: AdamCtor; options: Partial<optim.AdamOptions>; groups: (p: Tensor[]) => Groups }> = [
  {
    name: 'Adam, amsgrad + maximize + L2 weight decay, second group plain with another lr',
    Ctor: optim.Adam,
    options: { lr: 1e-2, amsgrad: true, maximize: true, weightDecay: 0.1 },
    groups: (p) => [{ params: p.slice(0, 5) }, { params: p.slice(5), lr: 3e-3, amsgrad: false, maximize: false, betas: [0.8, 0.99] }],
  },
  {
    name: 'AdamW, decoupled weight decay, second group amsgrad + maximize with another lr and eps',
    Ctor: optim.AdamW,
    options: { lr: 1e-2, weightDecay: 0.05 },
    groups: (p) => [{ params: p.slice(0, 3) }, { params: p.slice(3), lr: 5e-3, eps: 1e-6, amsgrad: true, maximize: true }],
  },
];

describe('multi-tensor Adam equals the single-tensor path bit for bit', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const [pm, ps] = [makeParams(), makeParams()];
      const multi = build(c.Ctor, pm, c.groups, c.options, true);
      const single = build(c.Ctor, ps, c.groups, c.options, false);
      for (let t = 0; t < 5; t++) {
        setGrads(pm, t);
        setGrads(ps, t);
        multi.step();
        single.step();
        await expectSameState(multi, single, pm, ps, `${c.name}, step ${t + 1}`);
      }
      expect(multi.stateOf(pm[4]!)!.step).toBe(3);
      expect(multi.stateOf(pm[2]!)!.step).toBe(3);
      multi.dispose();
      single.dispose();
      disposeAll(pm, ps);
    });
  }

  it('with the moments split over several buckets', async () => {
    momentTuning.maxBucketElements = 3 * big;
    const c = cases[0]!;
    const [pm, ps] = [makeParams(), makeParams()];
    const multi = build(c.Ctor, pm, c.groups, c.options, true);
    const single = build(c.Ctor, ps, c.groups, c.options, false);
    for (let t = 0; t < 3; t++) {
      setGrads(pm, t);
      setGrads(ps, t);
      multi.step();
      single.step();
    }
    await expectSameState(multi, single, pm, ps, 'buckets, step 3');
    multi.dispose();
    single.dispose();
    disposeAll(pm, ps);
  });

  it('resumes from a state dict across the paths (single → multi → single)', async () => {
    const c = cases[1]!;
    const [pa, pr] = [makeParams(), makeParams()];
    const reference = build(c.Ctor, pr, c.groups, c.options, false);
    let current: optim.Optimizer<optim.BaseOptions> = build(c.Ctor, pa, c.groups, c.options, false);
    for (let t = 0; t < 6; t++) {
      if (t === 2 || t === 4) {
        // A new optimizer on the same parameters, of the other path, resumed from the last one's state dict.
        const next = build(c.Ctor, pa, c.groups, c.options, t === 2);
        next.loadStateDict(current.stateDict());
        for (const g of next.paramGroups) (g as optim.ParamGroup<optim.AdamOptions>).foreach = t === 2; // the state dict carries the old path's
        current.dispose();
        current = next;
      }
      setGrads(pa, t);
      setGrads(pr, t);
      current.step();
      reference.step();
    }
    await expectSameState(current, reference, pa, pr, 'resumed, step 6');
    current.dispose();
    reference.dispose();
    disposeAll(pa, pr);
  });

  it('follows a group whose parameter list changes, and a group switched between the paths', async () => {
    const c = cases[0]!;
    const [pm, ps] = [makeParams(), makeParams()];
    const first = (p: Tensor[]) => [{ params: p.slice(0, 4) }, { params: p.slice(5, 8), lr: 3e-3 }];
    const multi = build(c.Ctor, pm, first, c.options, true);
    const single = build(c.Ctor, ps, first, c.options, false);
    for (let t = 0; t < 4; t++) {
      if (t === 2) {
        multi.paramGroups[1]!.params.push(pm[4]!);
        single.paramGroups[1]!.params.push(ps[4]!);
        multi.paramGroups[0]!.foreach = false;
      }
      for (const [params, opt] of [[pm, multi], [ps, single]] as const) {
        const listed = new Set(opt.paramGroups.flatMap((g) => g.params));
        params.forEach((p, i) => { p.grad = listed.has(p) ? gradFor(i, t) : null; });
        opt.step();
      }
    }
    await expectSameState(multi, single, pm, ps, 'changed groups, step 4');
    multi.dispose();
    single.dispose();
    disposeAll(pm, ps);
  });
});

describe('multi-tensor Adam launches', () => {
  it('a ResNet18-like parameter list (15 large, 47 small tensors) in ceil(16 / slots per dispatch) launches, not 62', async () => {
    const large = Array.from({ length: 15 }, (_, i) => wg.tensor(values([big], i), { shape: [big], requiresGrad: true }));
    const small = Array.from({ length: 47 }, (_, i) => wg.tensor(values([64 + i], 100 + i), { shape: [64 + i], requiresGrad: true }));
    const params = [...large, ...small];
    const count = async (foreach: boolean) => {
      const opt = new optim.Adam(params, { lr: 1e-3, foreach });
      params.forEach((p, i) => { p.grad = wg.tensor(values(p.shape as number[], 500 + i, 0.1), { shape: p.shape }); });
      const stop = wg.startProfiling();
      opt.step();
      await wg.synchronize();
      await new Promise((done) => setTimeout(done, 200)); // timestamp readbacks resolve after the work
      const families = stop().families.filter((f) => f.family.startsWith('adam'));
      opt.dispose();
      return Object.fromEntries(families.map((f) => [f.family, f.count]));
    };
    // The small tensors share one slot (a scratch pair); each large one takes its own.
    const expected = Math.ceil(16 / adamSlotsPerDispatch(false));
    expect(await count(true)).toEqual({ 'adam:multi': expected });
    expect(expected).toBeLessThanOrEqual(8); // 8 storage buffers per stage, WebGPU's default limit
    expect(await count(false)).toEqual({ 'adam:v4': 15 + 12, 'adam:s': 35 }); // sizes 64…110: 12 are multiples of 4
    disposeAll(params);
  });
});
