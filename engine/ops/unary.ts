// Elementwise functions of one tensor, each with its derivative next to it. Float-only
// functions read integer inputs as f32 (like PyTorch's int→float promotion for exp etc.).

import { attach } from '../autograd/record.js';
import type { Tensor } from '../tensor/tensor.js';
import { mapNew, wgsl } from './core.js';

interface UnaryDef {
  /** WGSL of `a` (always f32 for float-only functions). */
  expr: string;
  /** Backward as one fused expression over a = grad, b = input x, c = output y. */
  grad: string;
  /** Keeps the input's dtype (neg, abs) instead of producing float32. */
  keepsDtype?: boolean;
}

const defs = {
  neg: { expr: '-a', grad: '-a', keepsDtype: true },
  abs: { expr: 'abs(a)', grad: 'a * sign(b)', keepsDtype: true },
  exp: { expr: 'exp(f32(a))', grad: 'a * c' },
  log: { expr: 'log(f32(a))', grad: 'a / b' },
  sqrt: { expr: 'sqrt(f32(a))', grad: 'a * 0.5 / c' },
  rsqrt: { expr: 'inverseSqrt(f32(a))', grad: '-0.5 * a * c * c * c' },
  relu: { expr: 'max(a, {{T}}(0))', grad: 'select(0.0, a, b > 0.0)', keepsDtype: true },
  sigmoid: { expr: 'sigmoid_f(f32(a))', grad: 'a * c * (1.0 - c)' },
  tanh: { expr: 'tanh_f(f32(a))', grad: 'a * (1.0 - c * c)' },
  gelu: { expr: 'gelu_f(f32(a))', grad: 'a * gelu_grad_f(b)' },
  geluTanh: { expr: 'gelu_tanh_f(f32(a))', grad: 'a * gelu_tanh_grad_f(b)' },
  sin: { expr: 'sin(f32(a))', grad: 'a * cos(b)' },
  cos: { expr: 'cos(f32(a))', grad: '-a * sin(b)' },
  square: { expr: 'a * a', grad: '2.0 * a * b', keepsDtype: true },
  reciprocal: { expr: '1.0 / f32(a)', grad: '-a * c * c' },
} satisfies Record<string, UnaryDef>;

export type UnaryName = keyof typeof defs;

export function unary(name: UnaryName, t: Tensor): Tensor {
  t.assertAlive(name);
  const def: UnaryDef = defs[name];
  const dtype = def.keepsDtype ? t.dtype : 'float32';
  const out = mapNew(name, def.expr.replace('{{T}}', wgsl(t.dtype)), [t], t.shape, dtype);
  // Save only what the derivative reads: b (the input) and/or c (the output).
  const needsInput = /\bb\b/.test(def.grad);
  const needsOutput = /\bc\b/.test(def.grad);
  const saved = [...(needsInput ? [t] : []), ...(needsOutput ? [out] : [])];
  return attach(out, `${name[0]!.toUpperCase()}${name.slice(1)}Backward`, [t], (g, kept) => {
    const x = needsInput ? kept[0]! : g;
    const y = needsOutput ? kept[needsInput ? 1 : 0]! : g;
    return [mapNew(`${name}_grad`, def.grad, [g, x, y], g.shape, 'float32')];
  }, saved);
}

export const neg = (t: Tensor) => unary('neg', t);
export const abs = (t: Tensor) => unary('abs', t);
export const exp = (t: Tensor) => unary('exp', t);
export const log = (t: Tensor) => unary('log', t);
export const sqrt = (t: Tensor) => unary('sqrt', t);
export const rsqrt = (t: Tensor) => unary('rsqrt', t);
export const relu = (t: Tensor) => unary('relu', t);
export const sigmoid = (t: Tensor) => unary('sigmoid', t);
export const tanh = (t: Tensor) => unary('tanh', t);
export const sin = (t: Tensor) => unary('sin', t);
export const cos = (t: Tensor) => unary('cos', t);
export const square = (t: Tensor) => unary('square', t);
export const reciprocal = (t: Tensor) => unary('reciprocal', t);

/** GELU; approximate 'tanh' as torch.nn.functional.gelu(approximate='tanh'). */
export function gelu(t: Tensor, options: { approximate?: 'none' | 'tanh' } = {}): Tensor {
  return unary(options.approximate === 'tanh' ? 'geluTanh' : 'gelu', t);
}

/** clamp(min?, max?); the gradient flows where min <= x <= max, as in PyTorch. */
export function clamp(t: Tensor, min?: number | null, max?: number | null): Tensor {
  t.assertAlive('clamp');
  if ((min === undefined || min === null) && (max === undefined || max === null)) {
    throw new Error('clamp: at least one of min or max must be given');
  }
  const lo = min ?? -Infinity;
  const hi = max ?? Infinity;
  const type = wgsl(t.dtype);
  const expr = t.dtype === 'float32' ? 'min(max(a, s0), s1)' : `${type}(min(max(f32(a), s0), s1))`;
  const out = mapNew('clamp', expr, [t], t.shape, t.dtype, [lo, hi]);
  return attach(out, 'ClampBackward', [t], (g, [x]) =>
    [mapNew('clamp_grad', 'select(0.0, a, b >= s0 && b <= s1)', [g, x!], g.shape, 'float32', [lo, hi])], [t]);
}
