// Sequential and ModuleList: children registered as '0', '1', … so keys read
// `features.0.weight`, as PyTorch's.

import type { Tensor } from '../tensor/tensor.js';
import { type AnyModule, Module } from './module.js';

/** Runs its children in order, each on the previous one's output. */
export class Sequential extends Module {
  private readonly items: AnyModule[] = [];

  constructor(...modules: AnyModule[]) {
    super();
    for (const m of modules) this.append(m);
  }

  append(m: AnyModule): this {
    this.registerModule(String(this.items.length), m);
    this.items.push(m);
    return this;
  }

  get length(): number {
    return this.items.length;
  }

  /** The i-th module (negative counts from the end). */
  at(i: number): AnyModule {
    const m = this.items[i < 0 ? i + this.items.length : i];
    if (!m) throw new Error(`Sequential: index ${i} is out of range for ${this.items.length} modules`);
    return m;
  }

  [Symbol.iterator](): Iterator<AnyModule> {
    return this.items[Symbol.iterator]();
  }

  /** Intermediate outputs are freed as soon as the next module has consumed them. */
  forward(x: Tensor): Tensor {
    let y = x;
    for (const m of this.items) {
      const next = m.forward(y) as Tensor;
      if (y !== x) y.dispose();
      y = next;
    }
    return y === x ? x.reshape(x.shape) : y;
  }
}

/** Holds modules (registered, so their parameters count) without a forward of its own. */
export class ModuleList extends Module<never[], never> {
  private readonly items: AnyModule[] = [];

  constructor(modules: Iterable<AnyModule> = []) {
    super();
    for (const m of modules) this.append(m);
  }

  append(m: AnyModule): this {
    this.registerModule(String(this.items.length), m);
    this.items.push(m);
    return this;
  }

  get length(): number {
    return this.items.length;
  }

  at(i: number): AnyModule {
    const m = this.items[i < 0 ? i + this.items.length : i];
    if (!m) throw new Error(`ModuleList: index ${i} is out of range for ${this.items.length} modules`);
    return m;
  }

  [Symbol.iterator](): Iterator<AnyModule> {
    return this.items[Symbol.iterator]();
  }

  forward(): never {
    throw new Error('ModuleList: has no forward(); iterate over it and call each module');
  }
}
