// Element types. 'bool' is stored as u32 (WGSL has no 1-byte storage type); 'f16' is
// reserved for adapters with shader-f16 and not yet produced by any op.

export type DType = 'float32' | 'int32' | 'uint32' | 'bool';

export type TypedArrayFor<D extends DType> = D extends 'float32' ? Float32Array
  : D extends 'int32' ? Int32Array
  : Uint32Array;

export const dtypeInfo: Record<DType, { bytes: number; wgsl: 'f32' | 'i32' | 'u32'; isFloat: boolean }> = {
  float32: { bytes: 4, wgsl: 'f32', isFloat: true },
  int32: { bytes: 4, wgsl: 'i32', isFloat: false },
  uint32: { bytes: 4, wgsl: 'u32', isFloat: false },
  bool: { bytes: 4, wgsl: 'u32', isFloat: false },
};

const aliases = {
  float32: 'float32', float: 'float32', f32: 'float32',
  int32: 'int32', int: 'int32', i32: 'int32', int64: 'int32', long: 'int32',
  uint32: 'uint32', u32: 'uint32',
  bool: 'bool',
} as const satisfies Record<string, DType>;

/** Every spelling a dtype argument accepts: a closed union, so `zeros([2], 'float64')` is a type error. */
export type DTypeName = keyof typeof aliases;

/** Accepts PyTorch-ish spellings ('float', 'long' → int32 since WGSL has no 64-bit ints). */
export function toDType(name: DTypeName | string): DType {
  const dtype = (aliases as Record<string, DType>)[name];
  if (!dtype) throw new Error(`webgrad: unknown dtype '${name}'; use one of float32, int32, uint32, bool`);
  return dtype;
}

export function typedArrayFor(dtype: DType, length: number): Float32Array | Int32Array | Uint32Array {
  if (dtype === 'float32') return new Float32Array(length);
  if (dtype === 'int32') return new Int32Array(length);
  return new Uint32Array(length);
}

/** The dtype PyTorch's type promotion gives for a binary op (restricted to our dtypes). */
export function promote(a: DType, b: DType): DType {
  if (a === b) return a;
  if (a === 'float32' || b === 'float32') return 'float32';
  if (a === 'bool') return b;
  if (b === 'bool') return a;
  return 'int32';
}
