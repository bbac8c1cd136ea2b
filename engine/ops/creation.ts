// Creating tensors: from host data, constant fills, ranges, and seeded random draws.

import { launchRandom, type Distribution } from '../kernels/random.js';
import { upload } from '../kernels/runtime.js';
import { type DType, type DTypeName, toDType, typedArrayFor } from '../tensor/dtype.js';
import { fmt, numel, type Shape } from '../tensor/shape.js';
import { type NestedArray, Tensor } from '../tensor/tensor.js';
import { mapNew, wgsl } from './core.js';

export interface CreateOptions {
  dtype?: DTypeName;
  requiresGrad?: boolean;
}

function finish(t: Tensor, options: CreateOptions): Tensor {
  if (options.requiresGrad) t.requiresGrad = true;
  return t;
}

function nestedShape(data: NestedArray, op: string): number[] {
  const shape: number[] = [];
  let level: NestedArray = data;
  while (Array.isArray(level)) {
    shape.push(level.length);
    level = level[0] as NestedArray;
    if (level === undefined) break;
  }
  const check = (node: NestedArray, depth: number) => {
    if (depth === shape.length) {
      if (Array.isArray(node)) throw new Error(`${op}: ragged nested array (expected a number at depth ${depth}, shape ${fmt(shape)})`);
      return;
    }
    if (!Array.isArray(node) || node.length !== shape[depth]) {
      throw new Error(`${op}: ragged nested array: expected ${shape[depth]} entries at depth ${depth} (shape ${fmt(shape)})`);
    }
    for (const child of node) check(child, depth + 1);
  };
  check(data, 0);
  return shape;
}

function inferDtype(values: ArrayLike<number | boolean> | Float32Array | Int32Array | Uint32Array): DType {
  if (values instanceof Float32Array || values instanceof Float64Array) return 'float32';
  if (values instanceof Int32Array) return 'int32';
  if (values instanceof Uint32Array) return 'uint32';
  if (values.length > 0 && typeof values[0] === 'boolean') return 'bool';
  return 'float32';
}

/**
 * torch.tensor: from a number, nested arrays, or a typed array plus `shape`.
 * Plain JS numbers default to float32 (PyTorch would give int64 for integers; we have no
 * 64-bit ints, and float is what model code wants) — pass { dtype: 'int32' } for indices.
 */
export function tensor(data: NestedArray | ArrayLike<number> | Float32Array | Int32Array | Uint32Array,
  options: CreateOptions & { shape?: Shape } = {}): Tensor {
  let flat: ArrayLike<number | boolean>;
  let shape: number[];
  if (typeof data === 'number' || typeof data === 'boolean') {
    flat = [data];
    shape = [];
  } else if (ArrayBuffer.isView(data)) {
    flat = data as ArrayLike<number>;
    shape = options.shape ? [...options.shape] : [flat.length];
  } else {
    shape = nestedShape(data as NestedArray, 'tensor');
    flat = (data as unknown[]).flat(Infinity as 1) as Array<number | boolean>;
    if (options.shape) shape = [...options.shape];
  }
  if (numel(shape) !== flat.length) throw new Error(`tensor: ${flat.length} values do not fill shape ${fmt(shape)}`);
  const dtype = options.dtype ? toDType(options.dtype) : inferDtype(flat);
  const host = typedArrayFor(dtype, flat.length);
  for (let i = 0; i < flat.length; i++) {
    const v = flat[i]!;
    host[i] = typeof v === 'boolean' ? Number(v) : dtype === 'bool' ? Number(v !== 0) : (v as number);
  }
  const t = Tensor.empty(shape, dtype);
  if (host.byteLength > 0) upload(t.storage.buffer, 0, host);
  return finish(t, options);
}

export function full(shape: Shape, value: number, dtype: DTypeName = 'float32', options: CreateOptions = {}): Tensor {
  const d = toDType(dtype);
  return finish(mapNew('full', `${wgsl(d)}(s0)`, [], shape, d, [value]), options);
}

export const zeros = (shape: Shape, dtype: DTypeName = 'float32', options: CreateOptions = {}) => full(shape, 0, dtype, options);
export const ones = (shape: Shape, dtype: DTypeName = 'float32', options: CreateOptions = {}) => full(shape, 1, dtype, options);
export const zerosLike = (t: Tensor) => full(t.shape, 0, t.dtype);
export const onesLike = (t: Tensor) => full(t.shape, 1, t.dtype);
export const fullLike = (t: Tensor, value: number) => full(t.shape, value, t.dtype);

/** arange(end) or arange(start, end, step); int32 when all arguments are integers. */
export function arange(start: number, end?: number, step = 1, options: CreateOptions = {}): Tensor {
  if (end === undefined) [start, end] = [0, start];
  if (step === 0) throw new Error('arange: step must be non-zero');
  const n = Math.max(0, Math.ceil((end - start) / step));
  const dtype = options.dtype ? toDType(options.dtype) : [start, end, step].every(Number.isInteger) ? 'int32' : 'float32';
  const expr = dtype === 'float32' ? 's0 + f32(i) * s1' : `${wgsl(dtype)}(i32(s0) + i32(i) * i32(s1))`;
  return finish(mapNew('arange', expr, [], [n], dtype, [start, step]), options);
}

/** `steps` evenly spaced values from start to end inclusive (float32), computed like PyTorch (symmetric halves). */
export function linspace(start: number, end: number, steps: number, options: CreateOptions = {}): Tensor {
  if (!Number.isInteger(steps) || steps < 0) throw new Error(`linspace: steps must be a non-negative integer, got ${steps}`);
  if (steps === 1) return full([1], start, 'float32', options);
  const step = steps > 1 ? (end - start) / (steps - 1) : 0;
  const half = Math.floor(steps / 2);
  const expr = `select(s2 - s1 * f32(${steps - 1}u - i), s0 + s1 * f32(i), i < ${half}u)`;
  return finish(mapNew('linspace', expr, [], [steps], 'float32', [start, step, end]), options);
}

// The default generator: a seed and a Philox offset that advances with every draw.
const generator = { seed: 0x5eedn, offset: 0n };

/** Seeds every later random draw (torch.manual_seed). */
export function manualSeed(seed: number | bigint): void {
  generator.seed = BigInt.asUintN(64, BigInt(seed));
  generator.offset = 0n;
}

/** The default generator's state (torch.get_rng_state): decimal strings, so it survives JSON. */
export interface RngState {
  seed: string;
  offset: string;
}

export function getRngState(): RngState {
  return { seed: generator.seed.toString(), offset: generator.offset.toString() };
}

/** Restores a state from getRngState (torch.set_rng_state): the draws that followed it follow again. */
export function setRngState(state: RngState): void {
  const parse = (v: unknown, name: string) => {
    if (typeof v !== 'string' || !/^\d+$/.test(v)) throw new Error(`setRngState: ${name} must be a decimal string from getRngState(), got ${JSON.stringify(v)}`);
    return BigInt(v);
  };
  generator.seed = BigInt.asUintN(64, parse(state?.seed, 'seed'));
  generator.offset = parse(state?.offset, 'offset');
}

function draw(dist: Distribution, shape: Shape, dtype: DType, a: number, b: number, options: CreateOptions): Tensor {
  const t = Tensor.empty(shape, dtype);
  launchRandom(dist, t.storage.buffer, t.numel, dtype, { seed: generator.seed, offset: generator.offset, a, b });
  generator.offset += 1n;
  return finish(t, options);
}

/** Uniform on [low, high) (torch.rand with low=0, high=1). */
export const rand = (shape: Shape, options: CreateOptions & { low?: number; high?: number } = {}) =>
  draw('uniform', shape, 'float32', options.low ?? 0, options.high ?? 1, options);
/** Normal with mean and std (torch.randn with mean=0, std=1). */
export const randn = (shape: Shape, options: CreateOptions & { mean?: number; std?: number } = {}) =>
  draw('normal', shape, 'float32', options.mean ?? 0, options.std ?? 1, options);

/** 1 with probability p else 0, float32 (torch.bernoulli on a constant p). */
export function bernoulli(shape: Shape, p: number, options: CreateOptions = {}): Tensor {
  if (!(p >= 0 && p <= 1)) throw new Error(`bernoulli: p must be in [0, 1], got ${p}`);
  return draw('bernoulli', shape, options.dtype ? toDType(options.dtype) : 'float32', p, 0, options);
}

/** Integers uniform in [low, high), int32 (torch.randint). */
export function randint(low: number, high: number, shape: Shape, options: CreateOptions = {}): Tensor {
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) {
    throw new Error(`randint: need integers low < high, got low=${low}, high=${high}`);
  }
  return draw('randint', shape, options.dtype ? toDType(options.dtype) : 'int32', low, high, options);
}
