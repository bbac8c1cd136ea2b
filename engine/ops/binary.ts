// Elementwise functions of two tensors (or a tensor and a number) with broadcasting,
// comparisons, where and casts. Gradients are reduced back to each input's shape.

import { attach } from '../autograd/record.js';
import { type DType, type DTypeName, dtypeInfo, promote, toDType } from '../tensor/dtype.js';
import { broadcastShapes, fmt } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { inputNames } from '../kernels/elementwise.js';
import { mapNew, scalarResultDtype, wgsl } from './core.js';
import { full } from './creation.js';
import { sumTo } from './reduce.js';

export type Operand = Tensor | number;

interface BinaryDef {
  /** Forward over A and B already converted to the result type T. */
  expr: string;
  /** Always produce float32 (true division). */
  float?: boolean;
  /** Gradients w.r.t. a and b as fused expressions over g, a, b (f32) and y (the output). */
  gradA: string;
  gradB: string;
}

const defs = {
  add: { expr: 'A + s0 * B', gradA: 'g', gradB: 'g * s0' },
  sub: { expr: 'A - s0 * B', gradA: 'g', gradB: '-g * s0' },
  mul: { expr: 'A * B', gradA: 'g * b', gradB: 'g * a' },
  div: { expr: 'A / B', float: true, gradA: 'g / b', gradB: '-g * a / (b * b)' },
  pow: { expr: 'T(pow_f(f32(A), f32(B)))', gradA: 'select(g * b * pow_f(a, b - 1.0), 0.0, b == 0.0)', gradB: 'select(g * y * log(a), 0.0, a == 0.0 && b >= 0.0)' },
  maximum: { expr: 'max(A, B)', gradA: 'select(select(0.0, g, a > b), 0.5 * g, a == b)', gradB: 'select(select(0.0, g, b > a), 0.5 * g, a == b)' },
  minimum: { expr: 'min(A, B)', gradA: 'select(select(0.0, g, a < b), 0.5 * g, a == b)', gradB: 'select(select(0.0, g, b < a), 0.5 * g, a == b)' },
} satisfies Record<string, BinaryDef>;

export type BinaryName = keyof typeof defs;

function fill(expr: string, a: string, b: string, type: string): string {
  return expr.replace(/\bA\b/g, a).replace(/\bB\b/g, b).replace(/\bT\b/g, type);
}

/**
 * One binary op. A JS number operand is not made into a tensor: it reaches the kernels as
 * the uniform s1 (s0 is alpha), so `x.mul(2)` is a single dispatch.
 */
function binary(name: BinaryName, a: Operand, b: Operand, alpha = 1): Tensor {
  if (typeof a === 'number' && typeof b === 'number') throw new Error(`${name}: at least one operand must be a tensor`);
  const operands = [a, b] as const;
  for (const v of operands) if (v instanceof Tensor) v.assertAlive(name);
  const def: BinaryDef = defs[name];
  const like = a instanceof Tensor ? a : (b as Tensor);
  const number = typeof a === 'number' ? a : typeof b === 'number' ? b : undefined;
  const dtype: DType = def.float ? 'float32'
    : number === undefined ? promote((a as Tensor).dtype, (b as Tensor).dtype) : scalarResultDtype(like, number);
  const shape = number === undefined ? broadcastShapes((a as Tensor).shape, (b as Tensor).shape, name) : like.shape;
  const tensors = operands.filter((v): v is Tensor => v instanceof Tensor);
  const T = wgsl(dtype);
  let slot = 0;
  const [A, B] = operands.map((v) => (typeof v === 'number' ? `${T}(s1)` : `${T}(${inputNames[slot++]})`));
  const expr = fill(def.expr, A!, B!, T).replace(/\bs0\b/g, `${T}(s0)`);
  const out = mapNew(name, expr, tensors, shape, dtype, [alpha, number ?? 0]);
  const shapes = operands.map((v) => (v instanceof Tensor ? v.shape : null));
  const wants = operands.map((v) => v instanceof Tensor && v.requiresGrad);
  // Save only the tensors the two derivative expressions read.
  const reads = (v: string) => new RegExp(`\\b${v}\\b`).test(def.gradA + ' ' + def.gradB);
  const named = { a, b, y: out } as const;
  const savedNames = (['a', 'b', 'y'] as const).filter((v) => reads(v) && named[v] instanceof Tensor);
  return attach(out, `${name[0]!.toUpperCase()}${name.slice(1)}Backward`, tensors, (g, kept) => {
    // Backward kernel inputs: g, then each saved tensor; numbers stay s1.
    const inputs = [g, ...kept];
    const names: Record<string, string> = { g: 'a', a: 'f32(s1)', b: 'f32(s1)', y: 'f32(s1)' };
    savedNames.forEach((v, i) => (names[v] = `f32(${inputNames[i + 1]})`));
    const grads: Array<Tensor | null> = [];
    [def.gradA, def.gradB].forEach((gradExpr, i) => {
      if (!(operands[i] instanceof Tensor)) return;
      if (!wants[i]) {
        grads.push(null);
        return;
      }
      const full = mapNew(`${name}_grad`, gradExpr.replace(/\b[gaby]\b/g, (v) => names[v]!), inputs, g.shape, 'float32', [alpha, number ?? 0]);
      grads.push(sumTo(full, shapes[i]!));
      full.dispose();
    });
    return grads;
  }, savedNames.map((v) => named[v] as Tensor));
}

/**
 * Runs fn with JS numbers turned into 0-d tensors (of the dtype PyTorch would give next
 * to `like`), disposing those temporaries afterwards.
 */
function withOperands<T>(a: Operand, b: Operand, like: Tensor, fn: (x: Tensor, y: Tensor) => T): T {
  const x = typeof a === 'number' ? scalarTensor(a, like) : a;
  const y = typeof b === 'number' ? scalarTensor(b, like) : b;
  try {
    return fn(x, y);
  } finally {
    if (x !== a) x.dispose();
    if (y !== b) y.dispose();
  }
}

/** A 0-d tensor holding a JS number, of the dtype PyTorch would give `like op number`. */
export function scalarTensor(value: number, like: Tensor): Tensor {
  return mapNew('full', `${wgsl(scalarResultDtype(like, value))}(s0)`, [], [], scalarResultDtype(like, value), [value]);
}

export const add = (a: Operand, b: Operand, options: { alpha?: number } = {}) => binary('add', a, b, options.alpha ?? 1);
export const sub = (a: Operand, b: Operand, options: { alpha?: number } = {}) => binary('sub', a, b, options.alpha ?? 1);
export const mul = (a: Operand, b: Operand) => binary('mul', a, b);
export const div = (a: Operand, b: Operand) => binary('div', a, b);
export const pow = (a: Operand, b: Operand) => binary('pow', a, b);
export const maximum = (a: Tensor, b: Tensor) => binary('maximum', a, b);
export const minimum = (a: Tensor, b: Tensor) => binary('minimum', a, b);
export const mulScalar = (a: Tensor, s: number) => binary('mul', a, s);

const comparisons = { eq: '==', ne: '!=', lt: '<', le: '<=', gt: '>', ge: '>=' } as const;
export type ComparisonName = keyof typeof comparisons;

/** Elementwise comparison → bool tensor (no gradient). */
export function compare(name: ComparisonName, a: Operand, b: Operand): Tensor {
  return withOperands(a, b, typeof a === 'number' ? (b as Tensor) : a, (x, y) => {
    x.assertAlive(name);
    y.assertAlive(name);
    const shape = broadcastShapes(x.shape, y.shape, name);
    const T = wgsl(promote(x.dtype, y.dtype));
    return mapNew(name, `select(0u, 1u, ${T}(a) ${comparisons[name]} ${T}(b))`, [x, y], shape, 'bool');
  });
}

export const eq = (a: Operand, b: Operand) => compare('eq', a, b);
export const ne = (a: Operand, b: Operand) => compare('ne', a, b);
export const lt = (a: Operand, b: Operand) => compare('lt', a, b);
export const le = (a: Operand, b: Operand) => compare('le', a, b);
export const gt = (a: Operand, b: Operand) => compare('gt', a, b);
export const ge = (a: Operand, b: Operand) => compare('ge', a, b);

/** where(cond, a, b): a where cond is true, else b; broadcasts all three. */
export function where(cond: Tensor, a: Operand, b: Operand): Tensor {
  cond.assertAlive('where');
  if (cond.dtype !== 'bool') throw new Error(`where: condition must be a bool tensor, got ${cond.dtype} ${fmt(cond.shape)}; compare first, e.g. gt(x, 0)`);
  // With two numbers, the result is int32 when both are integers, else float32.
  const like = typeof a !== 'number' ? a : typeof b !== 'number' ? b : undefined;
  const base = like ?? full([], 0, Number.isInteger(a) && Number.isInteger(b) ? 'int32' : 'float32');
  try {
    return withOperands(a, b, base, (x, y) => {
      const shape = broadcastShapes(broadcastShapes(cond.shape, x.shape, 'where'), y.shape, 'where');
      const dtype = promote(x.dtype, y.dtype);
      const T = wgsl(dtype);
      const out = mapNew('where', `select(${T}(c), ${T}(b), a != 0u)`, [cond, x, y], shape, dtype);
      const xShape = x.shape;
      const yShape = y.shape;
      return attach(out, 'WhereBackward', [cond, x, y], (g, [c]) => {
        const ga = mapNew('where_grad_a', 'select(0.0, a, b != 0u)', [g, c!], g.shape, 'float32');
        const gb = mapNew('where_grad_b', 'select(a, 0.0, b != 0u)', [g, c!], g.shape, 'float32');
        const grads = [null, sumTo(ga, xShape), sumTo(gb, yShape)];
        ga.dispose();
        gb.dispose();
        return grads;
      }, [cond]);
    });
  } finally {
    if (base !== like) base.dispose();
  }
}

/** Cast to another dtype (float→int truncates toward zero, like PyTorch). */
export function to(t: Tensor, dtypeName: DTypeName): Tensor {
  t.assertAlive('to');
  const dtype = toDType(dtypeName);
  if (dtype === t.dtype) return t.viewOf(t.shape, t.strides);
  const from = wgsl(t.dtype);
  const expr = dtype === 'bool' ? `select(0u, 1u, a != ${from}(0))`
    : dtype === 'int32' && from === 'f32' ? 'f32_to_i32(a)'
    : `${wgsl(dtype)}(a)`;
  const out = mapNew(`to_${dtype}`, expr, [t], t.shape, dtype);
  if (!dtypeInfo[dtype].isFloat) return out;
  return attach(out, 'ToBackward', [t], (g) => [g.viewOf(g.shape, g.strides)]);
}
