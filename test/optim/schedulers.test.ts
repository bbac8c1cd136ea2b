// StepLR, CosineAnnealingLR and ReduceLROnPlateau: lr sequences against torch's
// (test/fixtures/optim/schedulers.json), and state dicts that resume the sequence.

import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as wg from '../../engine/index.js';
import { optim } from '../../engine/index.js';
import { setupGpu } from '../helpers/gpu.js';

beforeAll(setupGpu);

interface SchedCase { name: string; scheduler: 'StepLR' | 'CosineAnnealingLR' | 'ReduceLROnPlateau'; args: Record<string, unknown>; groups: number; metrics?: number[]; lrs: number[][] }
const fixture = JSON.parse(readFileSync(new URL('../fixtures/optim/schedulers.json', import.meta.url), 'utf8')) as { cases: SchedCase[] };

type AnyScheduler = { step(metric?: number): void; getLastLr(): number[]; stateDict(): Record<string, unknown>; loadStateDict(sd: Record<string, unknown>): void };

function setup(c: SchedCase) {
  const params = Array.from({ length: c.groups }, () => wg.zeros([1], 'float32', { requiresGrad: true }));
  const opt = new optim.SGD(params.map((p, k) => ({ params: [p], lr: 0.1 * (k + 1) })), { lr: 0.1 });
  const a = c.args as Record<string, number>;
  const sched: AnyScheduler = c.scheduler === 'StepLR' ? new optim.StepLR(opt, a.stepSize!, a.gamma)
    : c.scheduler === 'CosineAnnealingLR' ? new optim.CosineAnnealingLR(opt, a.TMax!, a.etaMin)
      : new optim.ReduceLROnPlateau(opt, c.args as optim.ReduceLROnPlateauOptions);
  return { params, opt, sched, dispose: () => params.forEach((p) => p.dispose()) };
}

// StepLR and ReduceLROnPlateau follow torch's arithmetic exactly; the cosine closed form
// differs from torch's chainable recurrence by rounding only.
const tolerance = (c: SchedCase) => (c.scheduler === 'CosineAnnealingLR' ? 1e-7 : 0);

describe('lr schedulers vs torch.optim.lr_scheduler', () => {
  for (const c of fixture.cases) {
    it(c.name, () => {
      const { opt, sched, dispose } = setup(c);
      const got = [opt.paramGroups.map((g) => g.lr)];
      for (let e = 0; e < c.lrs.length - 1; e++) {
        sched.step(c.metrics?.[e]);
        got.push(opt.paramGroups.map((g) => g.lr));
        expect(sched.getLastLr()).toEqual(got[got.length - 1]);
      }
      got.forEach((lrs, e) => lrs.forEach((lr, k) => {
        const want = c.lrs[e]![k]!;
        if (Math.abs(lr - want) > tolerance(c)) throw new Error(`${c.name}: epoch ${e} group ${k}: lr ${lr}, torch ${want}`);
      }));
      if (c.scheduler === 'ReduceLROnPlateau') expect(new Set(got.map((l) => l[0])).size, 'the sequence must reduce at least twice').toBeGreaterThan(2);
      dispose();
    });
  }

  it('a state dict taken mid-way resumes the same sequence', () => {
    for (const c of fixture.cases) {
      const half = Math.floor((c.lrs.length - 1) / 2);
      const a = setup(c);
      for (let e = 0; e < half; e++) a.sched.step(c.metrics?.[e]);
      const sd = JSON.parse(JSON.stringify(a.sched.stateDict())) as Record<string, unknown>;
      expect(sd).toHaveProperty('last_epoch');
      const b = setup(c);
      b.opt.paramGroups.forEach((g, k) => (g.lr = a.opt.paramGroups[k]!.lr));
      b.sched.loadStateDict(sd);
      for (let e = half; e < c.lrs.length - 1; e++) {
        b.sched.step(c.metrics?.[e]);
        b.opt.paramGroups.forEach((g, k) => expect(Math.abs(g.lr - c.lrs[e + 1]![k]!), `${c.name} epoch ${e + 1}`).toBeLessThanOrEqual(tolerance(c)));
      }
      a.dispose(); b.dispose();
    }
  });

  it('uses torch key names and rejects bad arguments', () => {
    const p = wg.zeros([1], 'float32', { requiresGrad: true });
    const opt = new optim.SGD([p], { lr: 1 });
    expect(Object.keys(new optim.CosineAnnealingLR(opt, 5).stateDict())).toEqual(expect.arrayContaining(['T_max', 'eta_min', 'base_lrs', 'last_epoch', '_last_lr']));
    expect(Object.keys(new optim.ReduceLROnPlateau(opt).stateDict())).toEqual(expect.arrayContaining(['threshold_mode', 'min_lrs', 'num_bad_epochs', 'cooldown_counter', 'best']));
    expect(() => new optim.ReduceLROnPlateau(opt, { factor: 1 })).toThrow(/factor should be < 1.0/);
    expect(() => new optim.ReduceLROnPlateau(opt, { minLr: [0, 0] })).toThrow(/expected 1 minLr values/);
    expect(() => new optim.StepLR(opt, 0)).toThrow(/stepSize must be a positive integer/);
    p.dispose();
  });
});
