// The optimizer base shared by SGD, Adam and AdamW, as torch.optim.Optimizer: parameter
// groups with their own options, per-parameter state, zeroGrad, and a state dict in
// PyTorch's layout ({ state: index → { step, exp_avg, … }, param_groups: [{ lr, …, params:
// [indices] }] }, PyTorch's key names) so a checkpoint resumes training exactly.

import { mapNew } from '../ops/core.js';
import { reshape } from '../ops/views.js';
import { keep } from '../tensor/memory.js';
import { fmt } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';

/** Options every optimizer has; subclasses add theirs. */
export interface BaseOptions {
  lr: number;
}

/** A parameter group as passed in: its tensors plus any options that override the defaults. */
export type ParamGroupInput<O> = { params: Iterable<Tensor> } & Partial<O>;
export type ParamsInput<O> = Iterable<Tensor> | Iterable<ParamGroupInput<O>>;

/** A parameter group as the optimizer holds it: every option filled in. Schedulers change `lr`. */
export type ParamGroup<O> = O & { params: Tensor[]; initialLr?: number };

/** Per-parameter state: tensors (moment buffers) and numbers (step counts). */
export type ParamState = Record<string, Tensor | number>;

/** PyTorch's optimizer state dict: state by parameter index (in group order) and the groups. */
export interface OptimizerStateDict {
  state: Map<number, ParamState>;
  param_groups: Array<Record<string, unknown> & { params: number[] }>;
}

const snake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const camel = (name: string) => name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

function isTensorLike(x: unknown): x is Tensor {
  return typeof x === 'object' && x !== null && 'shape' in x && 'storage' in x;
}

export abstract class Optimizer<O extends BaseOptions> {
  readonly paramGroups: Array<ParamGroup<O>> = [];
  readonly defaults: O;
  protected readonly state = new Map<Tensor, ParamState>();
  protected readonly name: string;

  constructor(name: string, params: ParamsInput<O>, defaults: O) {
    this.name = name;
    this.defaults = defaults;
    const list = [...params] as Array<Tensor | ParamGroupInput<O>>;
    if (list.length === 0) throw new Error(`${name}: got an empty parameter list`);
    const groups = list.every(isTensorLike) ? [{ params: list as Tensor[] }] : list;
    for (const g of groups) {
      if (isTensorLike(g)) throw new Error(`${name}: pass either tensors or parameter groups ({ params, lr, … }), not a mix`);
      this.addParamGroup(g as ParamGroupInput<O>);
    }
  }

  /** Adds a group; options it does not set come from the defaults. */
  addParamGroup(group: ParamGroupInput<O>): void {
    const params = [...group.params];
    const seen = new Set(this.paramGroups.flatMap((g) => g.params));
    params.forEach((p, i) => {
      if (!p.isLeaf) throw new Error(`${this.name}: parameter ${i} ${fmt(p.shape)} is not a leaf tensor; optimizers update leaves (detach() it and set requiresGrad)`);
      if (!p.requiresGrad) throw new Error(`${this.name}: parameter ${i} ${fmt(p.shape)} does not require grad`);
      if (seen.has(p)) throw new Error(`${this.name}: parameter ${i} ${fmt(p.shape)} appears in more than one parameter group`);
      seen.add(p);
    });
    const full = { ...this.defaults, ...group, params } as ParamGroup<O>;
    this.validate(full);
    this.paramGroups.push(full);
  }

  /** Throws on invalid options, naming them (as PyTorch's constructors do). */
  protected validate(group: ParamGroup<O>): void {
    if (!(group.lr >= 0)) throw new Error(`${this.name}: invalid learning rate: ${group.lr}`);
  }

  /** Clears every parameter's gradient (PyTorch's set_to_none). */
  zeroGrad(): void {
    for (const g of this.paramGroups) for (const p of g.params) p.grad = null;
  }

  /** One optimization step over every parameter that has a gradient. */
  abstract step(): void;

  /** The state of one parameter (read-only view for tests and tools). */
  stateOf(param: Tensor): Readonly<ParamState> | undefined {
    return this.state.get(param);
  }

  /**
   * PyTorch's layout and key names (`exp_avg`, `momentum_buffer`, `weight_decay`, `betas`…).
   * State tensors are the optimizer's own (shared, not copies): save them, do not dispose them.
   */
  stateDict(): OptimizerStateDict {
    const index = new Map<Tensor, number>();
    const param_groups = this.paramGroups.map((g) => {
      const entry: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(g)) {
        if (k === 'params') continue;
        entry[k === 'initialLr' ? 'initial_lr' : snake(k)] = v;
      }
      return { ...entry, params: g.params.map((p) => { index.set(p, index.size); return index.get(p)!; }) };
    });
    const state = new Map<number, ParamState>();
    for (const [p, s] of this.state) {
      const i = index.get(p);
      if (i !== undefined) state.set(i, { ...s });
    }
    return { state, param_groups };
  }

  /** Restores options and state saved by stateDict() (or PyTorch); tensors are copied. */
  loadStateDict(sd: OptimizerStateDict | { state: Record<string, ParamState>; param_groups: OptimizerStateDict['param_groups'] }): void {
    const groups = sd.param_groups;
    if (groups.length !== this.paramGroups.length) {
      throw new Error(`${this.name}.loadStateDict: the state dict has ${groups.length} parameter groups, this optimizer ${this.paramGroups.length}`);
    }
    groups.forEach((g, i) => {
      if (g.params.length !== this.paramGroups[i]!.params.length) {
        throw new Error(`${this.name}.loadStateDict: group ${i} has ${g.params.length} parameters in the state dict but ${this.paramGroups[i]!.params.length} here`);
      }
    });
    const byIndex = new Map<number, Tensor>();
    groups.forEach((g, i) => g.params.forEach((id, j) => byIndex.set(Number(id), this.paramGroups[i]!.params[j]!)));
    const entries = sd.state instanceof Map ? [...sd.state] : Object.entries(sd.state).map(([k, v]) => [Number(k), v] as const);
    const fresh = new Map<Tensor, ParamState>();
    for (const [id, s] of entries) {
      const p = byIndex.get(Number(id));
      if (!p) throw new Error(`${this.name}.loadStateDict: state for parameter ${id}, which no group lists`);
      const copy: ParamState = {};
      for (const [k, v] of Object.entries(s)) {
        if (typeof v === 'number') { copy[k] = v; continue; }
        if (k === 'step') {
          throw new Error(`${this.name}.loadStateDict: 'step' of parameter ${id} is a tensor (as torch saves it); pass its value as a number (await t.item())`);
        }
        if (v.numel !== p.numel) {
          throw new Error(`${this.name}.loadStateDict: state '${k}' of parameter ${id} has shape ${fmt(v.shape)} but the parameter is ${fmt(p.shape)}`);
        }
        const shaped = reshape(v, p.shape);
        copy[k] = keep(mapNew('optim_state_copy', 'f32(a)', [shaped], p.shape, 'float32'));
        shaped.dispose();
      }
      fresh.set(p, copy);
    }
    this.disposeState();
    for (const [p, s] of fresh) this.state.set(p, s);
    groups.forEach((g, i) => {
      const target = this.paramGroups[i]! as unknown as Record<string, unknown>;
      for (const [k, v] of Object.entries(g)) if (k !== 'params') target[k === 'initial_lr' ? 'initialLr' : camel(k)] = v;
    });
  }

  private disposeState(): void {
    for (const s of this.state.values()) for (const v of Object.values(s)) if (typeof v !== 'number') v.dispose();
    this.state.clear();
  }

  /** Frees the optimizer's state tensors (the parameters are the caller's). */
  dispose(): void {
    this.disposeState();
  }
}
