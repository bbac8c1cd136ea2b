// Learning-rate schedulers, as torch.optim.lr_scheduler: StepLR, CosineAnnealingLR and
// ReduceLROnPlateau. They write each group's `lr`; stateDict() holds everything but the
// optimizer (PyTorch's key names), so a resumed run continues the same sequence.

import type { BaseOptions, Optimizer } from './optimizer.js';

type AnyOptimizer = Optimizer<BaseOptions>;
export type SchedulerStateDict = Record<string, unknown>;

// Field names ↔ torch's state-dict keys (lastLr ↔ _last_lr, TMax ↔ T_max, minLrs ↔ min_lrs).
const torchKey = (name: string) => (name === 'lastLr' ? '_last_lr' : name === 'stepCount' ? '_step_count' : name === 'TMax' ? 'T_max'
  : name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`));
const fieldName = (key: string) => (key === '_last_lr' ? 'lastLr' : key === '_step_count' ? 'stepCount' : key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()));

/** What every scheduler shares: its optimizer, the last rates, and a torch-keyed state dict. */
abstract class Scheduler {
  readonly optimizer: AnyOptimizer;
  protected lastLr: number[];

  constructor(optimizer: AnyOptimizer) {
    this.optimizer = optimizer;
    this.lastLr = optimizer.paramGroups.map((g) => g.lr);
  }

  /** The rates the last step() set (torch's get_last_lr). */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /** Everything but the optimizer, under torch's keys (`last_epoch`, `base_lrs`, `_last_lr`, `min_lrs`…). */
  stateDict(): SchedulerStateDict {
    const out: SchedulerStateDict = {};
    for (const [k, v] of Object.entries(this)) if (k !== 'optimizer') out[torchKey(k)] = Array.isArray(v) ? [...v] : v;
    return out;
  }

  loadStateDict(sd: SchedulerStateDict): void {
    const self = this as unknown as Record<string, unknown>;
    for (const [k, v] of Object.entries(sd)) {
      const name = fieldName(k);
      if (name in self && name !== 'optimizer') self[name] = Array.isArray(v) ? [...v] : v;
    }
  }
}

/** Epoch-based schedulers (torch's _LRScheduler): construction counts as epoch 0. */
export abstract class LRScheduler extends Scheduler {
  baseLrs: number[];
  lastEpoch: number;
  protected stepCount = 0;

  constructor(optimizer: AnyOptimizer, lastEpoch = -1) {
    super(optimizer);
    if (lastEpoch === -1) {
      for (const g of optimizer.paramGroups) g.initialLr ??= g.lr;
    } else {
      optimizer.paramGroups.forEach((g, i) => {
        if (g.initialLr === undefined) throw new Error(`${this.constructor.name}: param 'initial_lr' is not specified in paramGroups[${i}] when resuming an optimizer`);
      });
    }
    this.baseLrs = optimizer.paramGroups.map((g) => g.initialLr!);
    this.lastEpoch = lastEpoch;
  }

  /** torch's _initial_step; subclasses call it last in their constructors, once their fields exist. */
  protected initialStep(): void {
    this.step();
  }

  /** The learning rates for `lastEpoch`, from the groups' current ones (torch's get_lr). */
  protected abstract computeLr(): number[];

  /** Advances one epoch and writes the new rates into the optimizer's groups. */
  step(): void {
    this.stepCount++;
    this.lastEpoch++;
    const values = this.computeLr();
    this.optimizer.paramGroups.forEach((g, i) => (g.lr = values[i]!));
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

}

/** Multiplies the rate by `gamma` every `stepSize` epochs (torch's chainable form, bit for bit). */
export class StepLR extends LRScheduler {
  stepSize: number;
  gamma: number;

  constructor(optimizer: AnyOptimizer, stepSize: number, gamma = 0.1, lastEpoch = -1) {
    if (!Number.isInteger(stepSize) || stepSize < 1) throw new Error(`StepLR: stepSize must be a positive integer, got ${stepSize}`);
    super(optimizer, lastEpoch);
    this.stepSize = stepSize;
    this.gamma = gamma;
    this.initialStep();
  }

  protected computeLr(): number[] {
    const { stepSize, gamma } = this;
    const lrs = this.optimizer.paramGroups.map((g) => g.lr);
    if (this.lastEpoch === 0 || this.lastEpoch % stepSize !== 0) return lrs;
    return lrs.map((lr) => lr * gamma);
  }
}

/**
 * Cosine annealing from the base rate to `etaMin` over `TMax` epochs, in closed form:
 * etaMin + (base − etaMin)·(1 + cos(π·epoch/TMax))/2 — within 1e-7 of torch's chainable
 * recurrence (tested), and it does not drift. Past TMax it rises again, as torch's does.
 */
export class CosineAnnealingLR extends LRScheduler {
  TMax: number;
  etaMin: number;

  constructor(optimizer: AnyOptimizer, TMax: number, etaMin = 0, lastEpoch = -1) {
    if (!(TMax > 0)) throw new Error(`CosineAnnealingLR: TMax must be positive, got ${TMax}`);
    super(optimizer, lastEpoch);
    this.TMax = TMax;
    this.etaMin = etaMin;
    this.initialStep();
  }

  protected computeLr(): number[] {
    const { TMax, etaMin } = this;
    if (this.lastEpoch === 0) return this.optimizer.paramGroups.map((g) => g.lr);
    return this.baseLrs.map((base) => etaMin + (base - etaMin) * (1 + Math.cos(Math.PI * this.lastEpoch / TMax)) / 2);
  }
}

export interface ReduceLROnPlateauOptions {
  mode?: 'min' | 'max';
  factor?: number;
  patience?: number;
  threshold?: number;
  thresholdMode?: 'rel' | 'abs';
  cooldown?: number;
  /** One floor for every group, or one per group. */
  minLr?: number | number[];
  eps?: number;
}

/**
 * Lowers the rate by `factor` when a metric stops improving for more than `patience` epochs,
 * then waits `cooldown` epochs; torch 1.13's algorithm step for step (including that a
 * reduction smaller than `eps` is skipped, and that cooldown epochs reset the bad count).
 */
export class ReduceLROnPlateau extends Scheduler {
  mode: 'min' | 'max';
  factor: number;
  patience: number;
  threshold: number;
  thresholdMode: 'rel' | 'abs';
  cooldown: number;
  minLrs: number[];
  eps: number;
  best: number;
  numBadEpochs = 0;
  cooldownCounter = 0;
  lastEpoch = 0;
  modeWorse: number;

  constructor(optimizer: AnyOptimizer, options: ReduceLROnPlateauOptions = {}) {
    super(optimizer);
    this.mode = options.mode ?? 'min';
    this.factor = options.factor ?? 0.1;
    this.patience = options.patience ?? 10;
    this.threshold = options.threshold ?? 1e-4;
    this.thresholdMode = options.thresholdMode ?? 'rel';
    this.cooldown = options.cooldown ?? 0;
    this.eps = options.eps ?? 1e-8;
    if (this.factor >= 1) throw new Error(`ReduceLROnPlateau: factor should be < 1.0, got ${this.factor}`);
    if (this.mode !== 'min' && this.mode !== 'max') throw new Error(`ReduceLROnPlateau: mode ${String(this.mode)} is unknown; use 'min' or 'max'`);
    if (this.thresholdMode !== 'rel' && this.thresholdMode !== 'abs') {
      throw new Error(`ReduceLROnPlateau: threshold mode ${String(this.thresholdMode)} is unknown; use 'rel' or 'abs'`);
    }
    const groups = optimizer.paramGroups.length;
    const minLr = options.minLr ?? 0;
    if (Array.isArray(minLr) && minLr.length !== groups) {
      throw new Error(`ReduceLROnPlateau: expected ${groups} minLr values (one per parameter group), got ${minLr.length}`);
    }
    this.minLrs = Array.isArray(minLr) ? [...minLr] : Array.from({ length: groups }, () => minLr);
    this.modeWorse = this.mode === 'min' ? Infinity : -Infinity;
    this.best = this.modeWorse;
  }

  get inCooldown(): boolean {
    return this.cooldownCounter > 0;
  }

  isBetter(a: number, best: number): boolean {
    const t = this.threshold;
    if (this.mode === 'min') return this.thresholdMode === 'rel' ? a < best * (1 - t) : a < best - t;
    return this.thresholdMode === 'rel' ? a > best * (t + 1) : a > best + t;
  }

  /** Takes this epoch's metric (a number: read a loss tensor back with `await loss.item()`). */
  step(metric: number): void {
    const current = Number(metric);
    this.lastEpoch++;
    if (this.isBetter(current, this.best)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs++;
    }
    if (this.inCooldown) {
      this.cooldownCounter--;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.patience) {
      this.optimizer.paramGroups.forEach((g, i) => {
        const newLr = Math.max(g.lr * this.factor, this.minLrs[i]!);
        if (g.lr - newLr > this.eps) g.lr = newLr;
      });
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }
}
