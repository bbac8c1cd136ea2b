// Adam and AdamW (torch.optim.Adam / AdamW of torch 1.13). By default a parameter group is
// stepped by the multi-tensor path (adam-foreach.ts: one dispatch, or a few, for the whole
// group, its moments in one buffer per bucket); `foreach: false` keeps the single-tensor path,
// one fused launch of shaders/adam.wgsl per parameter. Both compute the same bits: the same
// arithmetic per element, bias corrections in f64 here from each parameter's own step count.

import { launchAdam } from '../kernels/optim.js';
import { contiguous } from '../ops/views.js';
import { zerosLike } from '../ops/creation.js';
import { keep } from '../tensor/memory.js';
import { GroupMoments } from './adam-moments.js';
import { foreachAdamStep } from './adam-foreach.js';
import { fmt } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { type BaseOptions, Optimizer, type ParamGroup, type ParamsInput } from './optimizer.js';

export interface AdamOptions extends BaseOptions {
  betas: [number, number];
  eps: number;
  weightDecay: number;
  amsgrad: boolean;
  maximize: boolean;
  /** Multi-tensor step (default; torch's `foreach`). false: one launch per parameter. */
  foreach?: boolean | null;
}

type AdamInit = Partial<AdamOptions>;

class AdamBase extends Optimizer<AdamOptions> {
  private readonly decoupled: boolean;
  // The multi-tensor path's moment buffers, per group; rebuilt when a group's parameters change.
  private readonly moments = new Map<ParamGroup<AdamOptions>, GroupMoments>();

  protected constructor(name: string, params: ParamsInput<AdamOptions>, defaults: AdamOptions, decoupled: boolean) {
    super(name, params, defaults);
    this.decoupled = decoupled;
  }

  protected override validate(g: ParamGroup<AdamOptions>): void {
    super.validate(g);
    if (!(g.eps >= 0)) throw new Error(`${this.name}: invalid epsilon value: ${g.eps}`);
    g.betas.forEach((b, i) => {
      if (!(b >= 0 && b < 1)) throw new Error(`${this.name}: invalid beta parameter at index ${i}: ${b} (must be in [0, 1))`);
    });
    if (!(g.weightDecay >= 0)) throw new Error(`${this.name}: invalid weight_decay value: ${g.weightDecay}`);
  }

  step(): void {
    for (const group of this.paramGroups) {
      if (group.foreach === false) this.singleTensorStep(group);
      else foreachAdamStep(this.name, group, this.momentsOf(group), this.state, this.decoupled);
    }
  }

  // The group's moment layout, (re)built for its current parameters; state tensors that live
  // elsewhere (loaded, or from the single-tensor path or an older layout) are copied in.
  private momentsOf(group: ParamGroup<AdamOptions>): GroupMoments {
    let moments = this.moments.get(group);
    if (moments?.matches(group.params)) return moments;
    const fresh = new GroupMoments(group.params);
    fresh.adopt(this.state);
    moments?.dispose();
    this.moments.set(group, fresh);
    return fresh;
  }

  private dropMoments(): void {
    for (const m of this.moments.values()) m.dispose();
    this.moments.clear();
  }

  override loadStateDict(sd: Parameters<Optimizer<AdamOptions>['loadStateDict']>[0]): void {
    super.loadStateDict(sd);
    // The loaded tensors are copies of their own; the next step copies them into fresh (zeroed) buffers.
    this.dropMoments();
  }

  override dispose(): void {
    super.dispose();
    this.dropMoments();
  }

  private singleTensorStep(group: ParamGroup<AdamOptions>): void {
    const { lr, betas: [beta1, beta2], eps, weightDecay, amsgrad, maximize } = group;
    for (const p of group.params) {
      const grad = p.grad;
      if (!grad) continue;
      if (!p.isContiguous()) throw new Error(`${this.name}: parameter ${fmt(p.shape)} is not contiguous; optimizers update contiguous leaves`);
      let s = this.state.get(p);
      if (!s) {
        s = { step: 0, exp_avg: keep(zerosLike(p)), exp_avg_sq: keep(zerosLike(p)) };
        this.state.set(p, s);
      }
      if (amsgrad && !s.max_exp_avg_sq) s.max_exp_avg_sq = keep(zerosLike(p));
      const step = (s.step as number) + 1;
      s.step = step;
      const g = grad.isContiguous() ? grad : contiguous(grad);
      const at = (t: Tensor) => ({ buffer: t.storage.buffer, offset: t.offset });
      const bc1 = 1 - beta1 ** step;
      const bc2 = 1 - beta2 ** step;
      launchAdam(p.numel, {
        grad: at(g), param: at(p), expAvg: at(s.exp_avg as Tensor), expAvgSq: at(s.exp_avg_sq as Tensor),
        ...(amsgrad ? { maxExpAvgSq: at(s.max_exp_avg_sq as Tensor) } : {}),
      }, {
        beta1, beta2, eps, maximize,
        wdL2: this.decoupled ? 0 : weightDecay,
        decay: this.decoupled ? 1 - lr * weightDecay : 1,
        stepSize: lr / bc1,
        bc2Sqrt: Math.sqrt(bc2),
      });
      if (g !== grad) g.dispose();
      p.storage.version++;
      for (const key of ['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq']) {
        const t = s[key] as Tensor | undefined;
        if (t) t.storage.version++;
      }
    }
  }
}

const adamDefaults = (weightDecay: number): AdamOptions =>
  ({ lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay, amsgrad: false, maximize: false });

/** torch.optim.Adam: L2 weight decay added to the gradient. Defaults lr 1e-3, betas (0.9, 0.999), eps 1e-8. */
export class Adam extends AdamBase {
  constructor(params: ParamsInput<AdamOptions>, options: AdamInit = {}) {
    super('Adam', params, { ...adamDefaults(0), ...options }, false);
  }
}

/** torch.optim.AdamW: decoupled weight decay (p ← p·(1 − lr·wd) before the Adam step); default wd 1e-2. */
export class AdamW extends AdamBase {
  constructor(params: ParamsInput<AdamOptions>, options: AdamInit = {}) {
    super('AdamW', params, { ...adamDefaults(1e-2), ...options }, true);
  }
}
