// PyTorch-style methods on Tensor (t.add(u), t.sum(1), t.backward()). Each forwards to
// the functional op; declaration merging gives them types.

import { runBackward, setGradMath, type BackwardOptions } from '../autograd/backward.js';
import type { DType, DTypeName } from '../tensor/dtype.js';
import type { Shape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import * as bin from './binary.js';
import { mapInPlace } from './core.js';
import { onesLike } from './creation.js';
import * as idx from './indexing.js';
import { matmul } from './matmul.js';
import * as red from './reduce.js';
import * as sm from './softmax.js';
import * as un from './unary.js';
import * as vw from './views.js';

declare module '../tensor/tensor.js' {
  interface Tensor {
    add(other: bin.Operand, options?: { alpha?: number }): Tensor;
    sub(other: bin.Operand, options?: { alpha?: number }): Tensor;
    mul(other: bin.Operand): Tensor;
    div(other: bin.Operand): Tensor;
    pow(exponent: bin.Operand): Tensor;
    maximum(other: Tensor): Tensor;
    minimum(other: Tensor): Tensor;
    eq(other: bin.Operand): Tensor;
    ne(other: bin.Operand): Tensor;
    lt(other: bin.Operand): Tensor;
    le(other: bin.Operand): Tensor;
    gt(other: bin.Operand): Tensor;
    ge(other: bin.Operand): Tensor;
    to(dtype: DTypeName): Tensor;
    neg(): Tensor;
    abs(): Tensor;
    exp(): Tensor;
    log(): Tensor;
    sqrt(): Tensor;
    rsqrt(): Tensor;
    relu(): Tensor;
    sigmoid(): Tensor;
    tanh(): Tensor;
    gelu(options?: { approximate?: 'none' | 'tanh' }): Tensor;
    clamp(min?: number | null, max?: number | null): Tensor;
    square(): Tensor;
    sum(dims?: red.Dims, options?: red.ReduceOptions): Tensor;
    mean(dims?: red.Dims, options?: red.ReduceOptions): Tensor;
    amax(dims?: red.Dims, options?: red.ReduceOptions): Tensor;
    amin(dims?: red.Dims, options?: red.ReduceOptions): Tensor;
    max(): Tensor;
    max(dim: number, keepdim?: boolean): red.ValuesIndices;
    min(): Tensor;
    min(dim: number, keepdim?: boolean): red.ValuesIndices;
    argmax(dim?: number | null, options?: red.ReduceOptions): Tensor;
    argmin(dim?: number | null, options?: red.ReduceOptions): Tensor;
    var(dims?: red.Dims, options?: red.VarOptions): Tensor;
    std(dims?: red.Dims, options?: red.VarOptions): Tensor;
    matmul(other: Tensor): Tensor;
    softmax(dim?: number): Tensor;
    logSoftmax(dim?: number): Tensor;
    gather(dim: number, index: Tensor): Tensor;
    indexSelect(dim: number, index: Tensor): Tensor;
    scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor;
    reshape(...shape: number[] | [Shape]): Tensor;
    view(...shape: number[] | [Shape]): Tensor;
    flatten(startDim?: number, endDim?: number): Tensor;
    permute(...dims: number[] | [readonly number[]]): Tensor;
    transpose(dim0?: number, dim1?: number): Tensor;
    readonly T: Tensor;
    narrow(dim: number, start: number, length: number): Tensor;
    slice(dim: number, start?: number, end?: number, step?: number): Tensor;
    expand(...shape: number[] | [Shape]): Tensor;
    unsqueeze(dim: number): Tensor;
    squeeze(dim?: number | readonly number[]): Tensor;
    contiguous(): Tensor;
    clone(): Tensor;
    detach(): Tensor;
    backward(gradient?: Tensor, options?: BackwardOptions): void;
    /** In place: this += alpha·other (no autograd; for optimizers and accumulation). */
    add_(other: Tensor, options?: { alpha?: number }): Tensor;
    /** In place: this *= value (no autograd). */
    mul_(value: number): Tensor;
    /** In place: fills with a value (no autograd). */
    fill_(value: number): Tensor;
    /** In place: copies other's values in (no autograd). */
    copy_(other: Tensor): Tensor;
  }
}

const shapeArgs = (args: Array<number | Shape>): Shape => (Array.isArray(args[0]) ? (args[0] as Shape) : (args as number[]));

const methods: Record<string, (this: Tensor, ...args: never[]) => unknown> = {
  add(this: Tensor, o: bin.Operand, opt?: { alpha?: number }) { return bin.add(this, o, opt); },
  sub(this: Tensor, o: bin.Operand, opt?: { alpha?: number }) { return bin.sub(this, o, opt); },
  mul(this: Tensor, o: bin.Operand) { return bin.mul(this, o); },
  div(this: Tensor, o: bin.Operand) { return bin.div(this, o); },
  pow(this: Tensor, o: bin.Operand) { return bin.pow(this, o); },
  maximum(this: Tensor, o: Tensor) { return bin.maximum(this, o); },
  minimum(this: Tensor, o: Tensor) { return bin.minimum(this, o); },
  eq(this: Tensor, o: bin.Operand) { return bin.eq(this, o); },
  ne(this: Tensor, o: bin.Operand) { return bin.ne(this, o); },
  lt(this: Tensor, o: bin.Operand) { return bin.lt(this, o); },
  le(this: Tensor, o: bin.Operand) { return bin.le(this, o); },
  gt(this: Tensor, o: bin.Operand) { return bin.gt(this, o); },
  ge(this: Tensor, o: bin.Operand) { return bin.ge(this, o); },
  to(this: Tensor, d: DTypeName) { return bin.to(this, d); },
  neg(this: Tensor) { return un.neg(this); },
  abs(this: Tensor) { return un.abs(this); },
  exp(this: Tensor) { return un.exp(this); },
  log(this: Tensor) { return un.log(this); },
  sqrt(this: Tensor) { return un.sqrt(this); },
  rsqrt(this: Tensor) { return un.rsqrt(this); },
  relu(this: Tensor) { return un.relu(this); },
  sigmoid(this: Tensor) { return un.sigmoid(this); },
  tanh(this: Tensor) { return un.tanh(this); },
  square(this: Tensor) { return un.square(this); },
  gelu(this: Tensor, o?: { approximate?: 'none' | 'tanh' }) { return un.gelu(this, o); },
  clamp(this: Tensor, lo?: number | null, hi?: number | null) { return un.clamp(this, lo, hi); },
  sum(this: Tensor, d?: red.Dims, o?: red.ReduceOptions) { return red.sum(this, d, o); },
  mean(this: Tensor, d?: red.Dims, o?: red.ReduceOptions) { return red.mean(this, d, o); },
  amax(this: Tensor, d?: red.Dims, o?: red.ReduceOptions) { return red.amax(this, d, o); },
  amin(this: Tensor, d?: red.Dims, o?: red.ReduceOptions) { return red.amin(this, d, o); },
  max(this: Tensor, d?: number, k?: boolean) { return d === undefined ? red.max(this) : red.max(this, d, k); },
  min(this: Tensor, d?: number, k?: boolean) { return d === undefined ? red.min(this) : red.min(this, d, k); },
  argmax(this: Tensor, d?: number | null, o?: red.ReduceOptions) { return red.argmax(this, d, o); },
  argmin(this: Tensor, d?: number | null, o?: red.ReduceOptions) { return red.argmin(this, d, o); },
  var(this: Tensor, d?: red.Dims, o?: red.VarOptions) { return red.variance(this, d, o); },
  std(this: Tensor, d?: red.Dims, o?: red.VarOptions) { return red.std(this, d, o); },
  matmul(this: Tensor, o: Tensor) { return matmul(this, o); },
  softmax(this: Tensor, d?: number) { return sm.softmax(this, d); },
  logSoftmax(this: Tensor, d?: number) { return sm.logSoftmax(this, d); },
  gather(this: Tensor, d: number, i: Tensor) { return idx.gather(this, d, i); },
  indexSelect(this: Tensor, d: number, i: Tensor) { return idx.indexSelect(this, d, i); },
  scatterAdd(this: Tensor, d: number, i: Tensor, s: Tensor) { return idx.scatterAdd(this, d, i, s); },
  reshape(this: Tensor, ...s: Array<number | Shape>) { return vw.reshape(this, shapeArgs(s)); },
  view(this: Tensor, ...s: Array<number | Shape>) { return vw.view(this, shapeArgs(s)); },
  flatten(this: Tensor, s?: number, e?: number) { return vw.flatten(this, s, e); },
  permute(this: Tensor, ...d: Array<number | Shape>) { return vw.permute(this, shapeArgs(d)); },
  transpose(this: Tensor, a?: number, b?: number) { return vw.transpose(this, a, b); },
  narrow(this: Tensor, d: number, s: number, l: number) { return vw.narrow(this, d, s, l); },
  slice(this: Tensor, d: number, s?: number, e?: number, st?: number) { return vw.slice(this, d, s, e, st); },
  expand(this: Tensor, ...s: Array<number | Shape>) { return vw.expand(this, shapeArgs(s)); },
  unsqueeze(this: Tensor, d: number) { return vw.unsqueeze(this, d); },
  squeeze(this: Tensor, d?: number | readonly number[]) { return vw.squeeze(this, d); },
  contiguous(this: Tensor) { return vw.contiguous(this); },
  clone(this: Tensor) { return vw.clone(this); },
  detach(this: Tensor) { return vw.detach(this); },
  backward(this: Tensor, g?: Tensor, o?: BackwardOptions) { runBackward(this, g, o); },
  add_(this: Tensor, o: Tensor, opt?: { alpha?: number }) { return mapInPlace('add_', 'a + s0 * b', this, [o], [opt?.alpha ?? 1]); },
  mul_(this: Tensor, v: number) { return mapInPlace('mul_', 'a * s0', this, [], [v]); },
  fill_(this: Tensor, v: number) { return mapInPlace('fill_', `${this.dtype === 'float32' ? 'f32' : this.dtype === 'int32' ? 'i32' : 'u32'}(s0)`, this, [], [v]); },
  copy_(this: Tensor, o: Tensor) { return mapInPlace('copy_', 'b', this, [o]); },
};

for (const [name, fn] of Object.entries(methods)) {
  Object.defineProperty(Tensor.prototype, name, { value: fn, writable: true, configurable: true });
}
Object.defineProperty(Tensor.prototype, 'T', {
  get(this: Tensor) { return vw.t2d(this); },
  configurable: true,
});

setGradMath({
  onesLike,
  add: (a, b) => bin.add(a, b),
  addInPlace: (target, value) => { mapInPlace('grad_accumulate', 'a + b', target, [value]); },
  clone: (t) => vw.clone(t),
});
