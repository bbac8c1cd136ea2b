// The tensor handle: a view (shape, strides, offset, dtype) onto a shared GPU Storage,
// plus its autograd state. Ops live in engine/ops and are attached as methods there;
// this file only knows storage, views' bookkeeping, readback and disposal.

import type { GradNode } from '../autograd/node.js';
import { download } from '../kernels/runtime.js';
import { type DType, dtypeInfo, typedArrayFor } from './dtype.js';
import { keep, track, untrack } from './memory.js';
import { contiguousStrides, fmt, isContiguous, numel, type Shape } from './shape.js';
import { Storage } from './storage.js';

export type NestedArray = number | boolean | NestedArray[];

// PyTorch warns (once) when the .grad of a non-leaf is read: backward never fills it, so the
// null that comes back is almost always a bug — the wrong tensor, or a missing retain_grad().
let warnedNonLeafGrad = false;

function warnNonLeafGrad(t: Tensor): void {
  if (warnedNonLeafGrad) return;
  warnedNonLeafGrad = true;
  console.warn(`webgrad: the .grad of ${t.toString()} is being read, but it is not a leaf tensor, so backward() does not ` +
    'fill its .grad. Call .retainGrad() on it before backward() if you want its gradient, or read the .grad of the ' +
    'leaf tensor you created with requiresGrad. (This warning is shown once.)');
}

export class Tensor {
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  /** Offset of element [0,…,0] in the storage, in elements. */
  readonly offset: number;
  readonly dtype: DType;
  readonly storage: Storage;
  gradFn: GradNode | null = null;
  private _requiresGrad = false;
  private _grad: Tensor | null = null;
  private _retainsGrad = false;
  private _disposed = false;

  /** Internal: wraps a storage reference that the caller hands over (not retained again). */
  constructor(storage: Storage, shape: Shape, strides: Shape, offset: number, dtype: DType) {
    this.storage = storage;
    this.shape = Object.freeze([...shape]);
    this.strides = Object.freeze([...strides]);
    this.offset = offset;
    this.dtype = dtype;
    track(this, storage);
  }

  /** A fresh contiguous tensor with uninitialised contents. */
  static empty(shape: Shape, dtype: DType = 'float32'): Tensor {
    for (const d of shape) {
      if (!Number.isInteger(d) || d < 0) throw new Error(`empty: invalid shape ${fmt(shape)}; sizes must be non-negative integers`);
    }
    const storage = new Storage(numel(shape) * dtypeInfo[dtype].bytes);
    return new Tensor(storage, shape, contiguousStrides(shape), 0, dtype);
  }

  /** A new handle on the same memory with another shape/strides (no autograd). */
  viewOf(shape: Shape, strides: Shape, offset = this.offset): Tensor {
    this.assertAlive('view');
    return new Tensor(this.storage.retain(), shape, strides, offset, this.dtype);
  }

  get rank(): number { return this.shape.length; }
  get ndim(): number { return this.shape.length; }
  get numel(): number { return numel(this.shape); }
  get disposed(): boolean { return this._disposed; }
  get isLeaf(): boolean { return this.gradFn === null; }
  isContiguous(): boolean { return isContiguous(this.shape, this.strides); }
  size(dim?: number): number | readonly number[] {
    if (dim === undefined) return this.shape;
    return this.shape[dim < 0 ? dim + this.rank : dim]!;
  }

  get requiresGrad(): boolean { return this._requiresGrad; }
  set requiresGrad(value: boolean) {
    if (!this.isLeaf && !value) {
      throw new Error('requiresGrad: cannot turn off gradients of a non-leaf tensor; use detach() instead');
    }
    if (value && !dtypeInfo[this.dtype].isFloat) {
      throw new Error(`requiresGrad: only floating-point tensors can require gradients (this one is ${this.dtype})`);
    }
    this._requiresGrad = value;
  }
  /** In-place setter, chainable as in PyTorch: `w = randn([3]).requiresGrad_()`. */
  requiresGrad_(value = true): this {
    this.requiresGrad = value;
    return this;
  }

  /**
   * Accumulated gradient; assigning keeps the new value alive outside tidy scopes and frees the
   * old. Filled by backward() for leaves, and for non-leaves only after retainGrad() (reading
   * it on another non-leaf warns once, as in PyTorch).
   */
  get grad(): Tensor | null {
    if (!this.isLeaf && !this._retainsGrad) warnNonLeafGrad(this);
    return this._grad;
  }
  set grad(value: Tensor | null) {
    if (value === this._grad) return;
    if (value && !value.disposed) keep(value);
    this._grad?.dispose();
    this._grad = value;
  }

  /** Whether backward() keeps this non-leaf's gradient in .grad (see retainGrad). */
  get retainsGrad(): boolean { return this._retainsGrad; }

  /**
   * Makes backward() fill .grad of this non-leaf tensor too (torch's retain_grad()), accumulating
   * over backward calls as a leaf's does. Leaves keep their gradient anyway: a no-op for them.
   */
  retainGrad(): this {
    this.assertAlive('retainGrad');
    if (!this.requiresGrad) {
      throw new Error(`retainGrad: ${this.toString()} does not require grad, so it has no gradient to retain; ` +
        'set requiresGrad on the inputs it is computed from');
    }
    if (this.gradFn && !this._retainsGrad) {
      this._retainsGrad = true;
      this.gradFn.retainers.add(this);
    }
    return this;
  }

  /** Releases the GPU memory now (views and saved copies keep theirs). Idempotent. */
  dispose(): void {
    if (this._disposed) return;
    this._disposed = true;
    untrack(this);
    this.storage.release();
    const node = this.gradFn;
    this.gradFn = null;
    node?.retainers.delete(this);
    node?.decRef();
  }

  /** `using t = …` support (TC39 explicit resource management). */
  [Symbol.dispose](): void {
    this.dispose();
  }

  assertAlive(op: string): void {
    if (this._disposed) throw new Error(`${op}: the tensor ${fmt(this.shape)} ${this.dtype} was disposed (by dispose() or a tidy scope); keep() it or create it outside the scope`);
  }

  /** All elements in row-major order (waits for the GPU; the only async part of a tensor). */
  async data(): Promise<Float32Array | Int32Array | Uint32Array> {
    this.assertAlive('data');
    const source = this.isContiguous() ? this : (this as unknown as { contiguous(): Tensor }).contiguous();
    try {
      const bytes = dtypeInfo[this.dtype].bytes;
      const buffer = await download(source.storage.buffer, source.offset * bytes, this.numel * bytes);
      const out = typedArrayFor(this.dtype, 0);
      return new (out.constructor as new (b: ArrayBuffer) => typeof out)(buffer);
    } finally {
      if (source !== this) source.dispose();
    }
  }

  /** Nested JS arrays like PyTorch's tolist(); booleans for bool tensors. */
  async toArray(): Promise<NestedArray> {
    const flat = await this.data();
    const values: Array<number | boolean> = this.dtype === 'bool' ? Array.from(flat, (v) => v !== 0) : Array.from(flat);
    if (this.rank === 0) return values[0]!;
    const build = (dim: number, start: number): NestedArray[] => {
      const size = this.shape[dim]!;
      const inner = numel(this.shape.slice(dim + 1));
      return Array.from({ length: size }, (_, i) => (dim === this.rank - 1 ? values[start + i]! : build(dim + 1, start + i * inner)));
    };
    return build(0, 0);
  }

  /** The value of a one-element tensor. */
  async item(): Promise<number> {
    if (this.numel !== 1) throw new Error(`item: only one-element tensors can be converted to a number, this one has shape ${fmt(this.shape)}`);
    return (await this.data())[0]!;
  }

  /** `tensor([2,3], float32, grad_fn=MatmulBackward)`; values need `await t.format()`. */
  toString(): string {
    const extra = this.gradFn ? `, gradFn=${this.gradFn.name}` : this.requiresGrad ? ', requiresGrad=true' : '';
    return `tensor(${fmt(this.shape)}, ${this.dtype}${extra}${this._disposed ? ', disposed' : ''})`;
  }

  /** PyTorch-like printout with values (reads the tensor back). */
  async format(maxElements = 1000): Promise<string> {
    if (this.numel > maxElements) return `${this.toString()} (${this.numel} elements; raise maxElements to print)`;
    const values = await this.toArray();
    const body = JSON.stringify(values).replace(/\],\[/g, '],\n        [');
    return `tensor(${body}, shape=${fmt(this.shape)}, dtype=${this.dtype})`;
  }
}
