// nn.Module: the base of every layer and model, as torch.nn.Module. A module registers its
// parameters (leaf tensors with requiresGrad), buffers (running statistics) and submodules
// in insertion order; state-dict keys are PyTorch's (`layer1.0.conv1.weight`,
// `bn1.num_batches_tracked`), so weights move between webgrad and PyTorch unchanged.
//
// TS classes are not callable: run a module with `m.forward(x)` or `m.call(x)`.
//
// As in PyTorch, plain attribute assignment registers: `this.fc = new nn.Linear(4, 2)` adds a
// submodule and `this.scale = nn.Parameter(t)` a parameter, in assignment order. JS has no
// __setattr__, so they are adopted from the object's own properties whenever the module is
// traversed (parameters(), stateDict(), children() …).

import { noGrad } from '../autograd/grad-mode.js';
import { moduleScopeName, withProfileScope } from '../kernels/profile.js';
import { launchMap } from '../kernels/elementwise.js';
import { view, wgsl } from '../ops/core.js';
import { keep } from '../tensor/memory.js';
import { fmt, sameShape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import type { TorchValue } from '../io/torch.js';

const parameterMark = Symbol('webgrad.nn.Parameter');

/**
 * What loadTorch returned (any pickled value), or a Map / object of tensors, as a state dict: names
 * to tensors, checked, so `model.loadStateDict(await loadTorch(path))` needs no cast and a file that
 * holds something else is named as such.
 */
function asStateDict(sd: unknown, owner: string): Map<string, Tensor> {
  const entries = sd instanceof Map ? [...sd.entries()] : sd !== null && typeof sd === 'object' && !Array.isArray(sd) && !(sd instanceof Tensor) ? Object.entries(sd) : undefined;
  const what = sd === null ? 'null' : Array.isArray(sd) ? 'a list' : sd instanceof Tensor ? 'a single tensor' : typeof sd;
  if (!entries) throw new Error(`${owner}.loadStateDict: expected a state dict (names → tensors), got ${what}`);
  const notTensors = entries.filter(([k, v]) => typeof k !== 'string' || !(v instanceof Tensor)).map(([k]) => String(k));
  if (notTensors.length > 0) {
    throw new Error(`${owner}.loadStateDict: expected a state dict (names → tensors), but ${notTensors.slice(0, 3).map((k) => `'${k}'`).join(', ')}`
      + `${notTensors.length > 3 ? ` and ${notTensors.length - 3} more` : ''} ${notTensors.length > 1 ? 'are' : 'is'} not a tensor; a checkpoint that wraps the weights (e.g. { state_dict: … }) needs that entry passed`);
  }
  return new Map(entries as Array<[string, Tensor]>);
}

/** Marks a tensor as a parameter (torch.nn.Parameter): a module attribute holding it registers it. */
export function Parameter(t: Tensor, requiresGrad = true): Tensor {
  if (!t.isLeaf) throw new Error(`nn.Parameter: the tensor ${fmt(t.shape)} is not a leaf; detach() it first`);
  t.requiresGrad = requiresGrad;
  (t as unknown as Record<symbol, boolean>)[parameterMark] = true;
  return keep(t);
}

/** A state dict: names → tensors, in PyTorch's order. Tensors are the module's own (shared). */
export type StateDict = Map<string, Tensor>;

export interface LoadStateDictOptions {
  /** Missing and unexpected keys are errors (default true). Shape mismatches always are. */
  strict?: boolean;
}

export interface LoadStateDictResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyModule = Module<any[], any>;

export abstract class Module<In extends unknown[] = [Tensor], Out = Tensor> {
  /** Training mode (dropout active, batch norm on batch statistics); see train()/eval(). */
  training = true;
  private readonly _parameters = new Map<string, Tensor | null>();
  private readonly _buffers = new Map<string, Tensor | null>();
  private readonly _modules = new Map<string, AnyModule | null>();

  abstract forward(...args: In): Out;

  /** Same as forward(); the closest TypeScript gets to PyTorch's `module(x)`. */
  call(...args: In): Out {
    const scope = moduleScopeName(this);
    return scope === undefined ? this.forward(...args) : withProfileScope(scope, () => this.forward(...args));
  }

  /** Registers a parameter (made a leaf requiring grad, kept out of tidy scopes); null registers an absent one (bias=false). */
  registerParameter<T extends Tensor | null>(name: string, t: T): T {
    this.checkName(name, this._parameters);
    if (t) {
      if (!t.isLeaf) throw new Error(`${this.name}.registerParameter: '${name}' ${fmt(t.shape)} is not a leaf tensor; detach() it first`);
      t.requiresGrad = true;
      keep(t);
    }
    this._parameters.set(name, t);
    return t;
  }

  /** Registers a buffer: state that is saved and loaded but not trained (running_mean…). */
  registerBuffer<T extends Tensor | null>(name: string, t: T): T {
    this.checkName(name, this._buffers);
    if (t) keep(t);
    this._buffers.set(name, t);
    return t;
  }

  /** Registers a submodule under `name` (its keys get the `name.` prefix). */
  registerModule<M extends AnyModule | null>(name: string, m: M): M {
    this.checkName(name, this._modules);
    this._modules.set(name, m);
    return m;
  }

  /** Registers modules and nn.Parameter tensors assigned as plain attributes (see the header). */
  private adoptAttributes(): void {
    // Anything registered explicitly keeps its registered name (registerModule('lstm_nobias', m)).
    const registered = new Set<unknown>([...this._modules.values(), ...this._parameters.values()]);
    for (const [key, value] of Object.entries(this)) {
      if (key.startsWith('_') || registered.has(value)) continue;
      if (value instanceof Module) {
        if (this._modules.get(key) !== value) {
          if (!this._modules.has(key)) this.checkName(key, this._modules);
          this._modules.set(key, value);
        }
      } else if (value instanceof Tensor && (value as unknown as Record<symbol, boolean>)[parameterMark]) {
        if (this._parameters.get(key) !== value) {
          if (!this._parameters.has(key)) this.checkName(key, this._parameters);
          this._parameters.set(key, value);
        }
      }
    }
  }

  private checkName(name: string, own: Map<string, unknown>): void {
    if (name === '' || name.includes('.')) throw new Error(`${this.name}: invalid attribute name '${name}' (non-empty, no dots)`);
    for (const map of [this._parameters, this._buffers, this._modules]) {
      if (map !== own && map.has(name)) throw new Error(`${this.name}: '${name}' is already registered as another kind of attribute`);
    }
  }

  /** The class name, as PyTorch prints it. */
  get name(): string {
    return this.constructor.name;
  }

  /** Replaces the tensor registered as parameter or buffer `name` (the old one is not disposed). */
  protected setTensor(name: string, t: Tensor | null): void {
    if (this._parameters.has(name)) this._parameters.set(name, t);
    else if (this._buffers.has(name)) this._buffers.set(name, t);
    else throw new Error(`${this.name}: no parameter or buffer '${name}'`);
  }

  *namedChildren(): Generator<[string, AnyModule]> {
    this.adoptAttributes();
    for (const [name, m] of this._modules) if (m) yield [name, m];
  }

  children(): AnyModule[] {
    return [...this.namedChildren()].map(([, m]) => m);
  }

  /** This module and every descendant, depth first, each once: ['', self], ['features', …], ['features.0', …]. */
  *namedModules(prefix = '', seen = new Set<AnyModule>()): Generator<[string, AnyModule]> {
    if (seen.has(this)) return;
    seen.add(this);
    yield [prefix, this];
    for (const [name, m] of this.namedChildren()) yield* m.namedModules(prefix ? `${prefix}.${name}` : name, seen);
  }

  modules(): AnyModule[] {
    return [...this.namedModules()].map(([, m]) => m);
  }

  private *namedMembers(which: '_parameters' | '_buffers', recurse: boolean): Generator<[string, Tensor]> {
    const seen = new Set<Tensor>();
    const mods: Array<[string, AnyModule]> = recurse ? [...this.namedModules()] : [['', this]];
    for (const [prefix, m] of mods) {
      (m as Module<unknown[], unknown>).adoptAttributes();
      for (const [name, t] of (m as Module<unknown[], unknown>)[which]) {
        if (!t || seen.has(t)) continue;
        seen.add(t);
        yield [prefix ? `${prefix}.${name}` : name, t];
      }
    }
  }

  /** ['conv.weight', tensor], … in registration order, shared parameters once. */
  namedParameters(recurse = true): Array<[string, Tensor]> {
    return [...this.namedMembers('_parameters', recurse)];
  }

  parameters(recurse = true): Tensor[] {
    return this.namedParameters(recurse).map(([, t]) => t);
  }

  namedBuffers(recurse = true): Array<[string, Tensor]> {
    return [...this.namedMembers('_buffers', recurse)];
  }

  buffers(recurse = true): Tensor[] {
    return this.namedBuffers(recurse).map(([, t]) => t);
  }

  /**
   * Parameters and buffers by PyTorch key, in PyTorch's order (each module's parameters, then
   * its buffers, then its children's). The tensors are the module's own: save them, read
   * them, do not dispose them.
   */
  stateDict(prefix = '', into: StateDict = new Map()): StateDict {
    this.adoptAttributes();
    for (const map of [this._parameters, this._buffers]) {
      for (const [name, t] of map) if (t) into.set(prefix + name, t);
    }
    for (const [name, m] of this.namedChildren()) m.stateDict(`${prefix}${name}.`, into);
    return into;
  }

  /**
   * Copies values from `sd` into this module's existing tensors (so references held by
   * optimizers stay valid). Errors list every missing key, unexpected key and shape mismatch
   * at once. A missing `num_batches_tracked` is accepted and set to 0, as PyTorch does.
   */
  loadStateDict(sd: Map<string, Tensor> | Record<string, Tensor> | TorchValue, options: LoadStateDictOptions = {}): LoadStateDictResult {
    const strict = options.strict ?? true;
    const source = asStateDict(sd, this.name);
    const own = this.stateDict();
    const missingKeys: string[] = [];
    const mismatches: string[] = [];
    const copies: Array<[Tensor, Tensor | null]> = [];
    for (const [key, dest] of own) {
      const src = source.get(key);
      if (src === undefined) {
        if (key === 'num_batches_tracked' || key.endsWith('.num_batches_tracked')) copies.push([dest, null]);
        else missingKeys.push(key);
        continue;
      }
      if (!sameShape(src.shape, dest.shape)) {
        mismatches.push(`size mismatch for ${key}: copying a param with shape ${fmt(src.shape)} from checkpoint, the shape in current model is ${fmt(dest.shape)}.`);
        continue;
      }
      copies.push([dest, src]);
    }
    const unexpectedKeys = [...source.keys()].filter((k) => !own.has(k));
    const problems: string[] = [];
    if (strict && missingKeys.length) problems.push(`Missing key(s) in state_dict: ${missingKeys.map((k) => `"${k}"`).join(', ')}.`);
    if (strict && unexpectedKeys.length) problems.push(`Unexpected key(s) in state_dict: ${unexpectedKeys.map((k) => `"${k}"`).join(', ')}.`);
    problems.push(...mismatches);
    if (problems.length) {
      throw new Error(`loadStateDict: error(s) in loading state_dict for ${this.name}:\n\t${problems.join('\n\t')}${mismatches.length ? '' : '\nFix: rename the keys to match namedParameters()/namedBuffers(), or pass { strict: false }.'}`);
    }
    noGrad(() => {
      for (const [dest, src] of copies) {
        // Casts too: PyTorch's int64 num_batches_tracked arrives as int32, float64 as float32.
        launchMap(src
          ? { name: 'load_state', expr: `${wgsl(dest.dtype)}(a)`, inputs: [view(src)], out: view(dest) }
          : { name: 'load_state_zero', expr: `${wgsl(dest.dtype)}(0)`, inputs: [], out: view(dest) });
        dest.storage.version++;
      }
    });
    return { missingKeys, unexpectedKeys };
  }

  /** Sets training mode here and in every descendant; returns this. */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  /** Evaluation mode: train(false). */
  eval(): this {
    return this.train(false);
  }

  /** Clears every parameter's gradient. */
  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = null;
  }

  /** Calls fn on every module (children first, as PyTorch's apply); returns this. */
  apply(fn: (m: AnyModule) => void): this {
    for (const m of this.children()) m.apply(fn);
    fn(this);
    return this;
  }

  /** Only 'float32' today; half precision is a planned extension and says so. */
  to(dtype: 'float32' | 'f32' | 'float16' | 'f16' | string): this {
    if (dtype === 'float32' || dtype === 'f32') return this;
    throw new Error(`${this.name}.to('${dtype}'): only float32 modules are supported for now; keep the model in float32`);
  }

  /** Frees every parameter (with its gradient) and buffer of this module and its descendants. */
  dispose(): void {
    for (const t of [...this.parameters(), ...this.buffers()]) {
      t.grad = null;
      t.dispose();
    }
  }

  /** The text inside the parentheses when printed, e.g. `in_features=3, out_features=4, bias=True`. */
  extraRepr(): string {
    return '';
  }

  /** PyTorch's printout: `Sequential(\n  (0): Linear(in_features=3, …)\n)`. */
  toString(): string {
    const children = [...this.namedChildren()].map(([n, m]) => `  (${n}): ${String(m).replace(/\n/g, '\n  ')}`);
    if (!children.length) return `${this.name}(${this.extraRepr()})`;
    const extra = this.extraRepr();
    return `${this.name}(${extra ? `\n  ${extra}` : ''}\n${children.join('\n')}\n)`;
  }
}

// `forward` is abstract for TypeScript, but a plain-JS subclass can forget it (or misspell it):
// calling the module then names the class and the fix, not "this.forward is not a function".
Object.defineProperty(Module.prototype, 'forward', {
  value: function forward(this: AnyModule): never {
    throw new Error(`${this.name}: forward() is not defined; define forward(x) in your nn.Module subclass`);
  },
  writable: true,
  configurable: true,
  enumerable: false,
});
