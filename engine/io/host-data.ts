// Host-side element conversion between the dtypes weight files store and webgrad's four:
// float64/float16/bfloat16 → float32, int64/int16/int8/uint8 → int32 (int64 range-checked),
// bool bytes → bool. Strided (non-contiguous) saved tensors are gathered here into
// row-major order, so the GPU receives one contiguous upload per tensor.

import { upload } from '../kernels/runtime.js';
import type { DType } from '../tensor/dtype.js';
import { fmt, isContiguous, numel, type Shape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';

/** The element types found in weight files. */
export type FileDType = 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'uint32' | 'bool';

export const fileDTypeBytes: Record<FileDType, number> = {
  float32: 4, float64: 8, float16: 2, bfloat16: 2, int64: 8, int32: 4, int16: 2, int8: 1, uint8: 1, uint32: 4, bool: 1,
};

/** The webgrad dtype a file dtype becomes. */
export function webgradDType(d: FileDType): DType {
  if (d === 'float32' || d === 'float64' || d === 'float16' || d === 'bfloat16') return 'float32';
  if (d === 'bool') return 'bool';
  if (d === 'uint32') return 'uint32';
  return 'int32';
}

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** A typed view of `raw` as `d`'s elements; copies only when `raw` is not aligned for them. */
function typedView(raw: Uint8Array, d: FileDType): ArrayLike<number> {
  const bytes = fileDTypeBytes[d];
  const src = raw.byteOffset % bytes === 0 ? raw : raw.slice();
  const n = Math.floor(src.byteLength / bytes);
  switch (d) {
    case 'float32': return new Float32Array(src.buffer, src.byteOffset, n);
    case 'float64': return new Float64Array(src.buffer, src.byteOffset, n);
    case 'float16': case 'bfloat16': return new Uint16Array(src.buffer, src.byteOffset, n);
    case 'int64': return new Int32Array(src.buffer, src.byteOffset, n * 2); // lo, hi pairs (little-endian)
    case 'int32': return new Int32Array(src.buffer, src.byteOffset, n);
    case 'uint32': return new Uint32Array(src.buffer, src.byteOffset, n);
    case 'int16': return new Int16Array(src.buffer, src.byteOffset, n);
    case 'int8': return new Int8Array(src.buffer, src.byteOffset, n);
    case 'uint8': case 'bool': return src;
  }
}

export interface StridedSource {
  raw: Uint8Array;
  dtype: FileDType;
  /** In elements. */
  offset: number;
  shape: Shape;
  strides: Shape;
}

/**
 * The elements of a (possibly strided) saved tensor in row-major order as webgrad's dtype.
 * `where` names the file and key for errors (storage too short, int64 out of int32 range).
 */
export function gatherHost(s: StridedSource, where: string): Float32Array | Int32Array | Uint32Array {
  const n = numel(s.shape);
  const available = Math.floor(s.raw.byteLength / fileDTypeBytes[s.dtype]);
  if (n > 0) {
    let last = s.offset;
    for (let d = 0; d < s.shape.length; d++) {
      if (s.strides[d]! < 0) throw new Error(`${where}: negative stride ${fmt(s.strides)} is not supported`);
      last += (s.shape[d]! - 1) * s.strides[d]!;
    }
    if (last >= available) {
      throw new Error(`${where}: storage holds ${available} ${s.dtype} elements but the tensor (shape ${fmt(s.shape)}, strides ${fmt(s.strides)}, offset ${s.offset}) needs ${last + 1}; the file is truncated or corrupt`);
    }
  }
  const src = typedView(s.raw, s.dtype);
  const target = webgradDType(s.dtype);
  const out = target === 'float32' ? new Float32Array(n) : target === 'int32' ? new Int32Array(n) : new Uint32Array(n);
  if (webgradDType(s.dtype) === s.dtype && isContiguous(s.shape, s.strides)) {
    out.set((src as Float32Array).subarray(s.offset, s.offset + n));
    return out;
  }
  const convert = converter(s.dtype, src, where);
  // Row-major walk with a carry over the dims; the innermost dim runs as a plain loop.
  const rank = s.shape.length;
  if (n === 0) return out;
  if (rank === 0) { out[0] = convert(s.offset); return out; }
  const inner = s.shape[rank - 1]!;
  const innerStride = s.strides[rank - 1]!;
  const index = new Array<number>(rank).fill(0);
  let base = s.offset;
  for (let o = 0; o < n; o += inner) {
    for (let i = 0; i < inner; i++) out[o + i] = convert(base + i * innerStride);
    for (let d = rank - 2; d >= 0; d--) {
      index[d]!++;
      base += s.strides[d]!;
      if (index[d]! < s.shape[d]!) break;
      base -= index[d]! * s.strides[d]!;
      index[d] = 0;
    }
  }
  return out;
}

function converter(d: FileDType, src: ArrayLike<number>, where: string): (i: number) => number {
  switch (d) {
    case 'float16': return (i) => halfToFloat(src[i]!);
    case 'bfloat16': return (i) => { u32Scratch[0] = src[i]! << 16; return f32Scratch[0]!; };
    case 'int64': return (i) => {
      const lo = src[2 * i]!;
      const hi = src[2 * i + 1]!;
      if (hi !== lo >> 31) {
        const value = (BigInt(hi) << 32n) | BigInt(lo >>> 0);
        throw new Error(`${where}: int64 value ${value} does not fit in int32, webgrad's integer type; this tensor cannot be loaded`);
      }
      return lo;
    };
    case 'bool': return (i) => (src[i] ? 1 : 0);
    default: return (i) => src[i]!;
  }
}

/** A contiguous GPU tensor holding `data`. */
export function tensorFromHost(data: Float32Array | Int32Array | Uint32Array, shape: Shape, dtype: DType): Tensor {
  const t = Tensor.empty(shape, dtype);
  if (data.byteLength > 0) upload(t.storage.buffer, 0, data);
  return t;
}

/**
 * The elements of a webgrad tensor as little-endian bytes of `target` (float32 for float32;
 * int64 or int32 for int32/uint32; bool as one byte each).
 */
export async function tensorBytes(t: Tensor, target: FileDType): Promise<Uint8Array> {
  const data = await t.data();
  if (target === 'float32' || target === 'int32' || target === 'uint32') {
    if (target === 'float32' && t.dtype !== 'float32') throw new Error(`tensorBytes: cannot write ${t.dtype} as float32`);
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  }
  if (target === 'int64') {
    const out = new Int32Array(data.length * 2);
    const signed = t.dtype !== 'uint32';
    for (let i = 0; i < data.length; i++) {
      out[2 * i] = data[i]!;
      out[2 * i + 1] = signed && data[i]! < 0 ? -1 : 0;
    }
    return new Uint8Array(out.buffer);
  }
  if (target === 'bool') return Uint8Array.from(data, (v) => (v ? 1 : 0));
  throw new Error(`tensorBytes: writing ${target} is not supported (float32, int32, int64, uint32, bool are)`);
}
