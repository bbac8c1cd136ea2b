// Sequential and ModuleList: children registered as '0', '1', … so keys read
// `features.0.weight`, as PyTorch's.

import type { Tensor } from '../tensor/tensor.js';
import { type AnyModule, Module } from './module.js';

/** An indexed run of child modules: what Sequential and ModuleList share. */
abstract class ModuleSequence<In extends unknown[], Out> extends Module<In, Out> {
  private readonly items: AnyModule[] = [];

  constructor(modules: Iterable<AnyModule>) {
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
    if (!m) throw new Error(`${this.name}: index ${i} is out of range for ${this.items.length} modules`);
    return m;
  }

  [Symbol.iterator](): Iterator<AnyModule> {
    return this.items[Symbol.iterator]();
  }
}

/** Runs its children in order, each on the previous one's output. */
export class Sequential extends ModuleSequence<[Tensor], Tensor> {
  constructor(...modules: AnyModule[]) {
    super(modules);
  }

  /** Intermediate outputs are freed as soon as the next module has consumed them. */
  forward(x: Tensor): Tensor {
    let y = x;
    for (const m of this) {
      const next = m.call(y) as Tensor;
      if (y !== x) y.dispose();
      y = next;
    }
    return y === x ? x.reshape(x.shape) : y;
  }
}

/** Holds modules (registered, so their parameters count) without a forward of its own. */
export class ModuleList extends ModuleSequence<never[], never> {
  constructor(modules: Iterable<AnyModule> = []) {
    super(modules);
  }

  forward(): never {
    throw new Error('ModuleList: has no forward(); iterate over it and call each module');
  }
}
