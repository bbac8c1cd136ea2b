// Kernel parameters declared once. A launcher declares its shader's parameters as names and types in
// order; from that one declaration come the WGSL `struct Params { … }` (filled into the shader's
// {{PARAMS}} placeholder) and the packing of named values into the 32-bit words dispatch() writes to
// the parameter ring. So a launcher and its shader cannot disagree on a field's position or type:
// a value missing or misnamed does not type-check, and one that is not a number of the field's kind
// (a negative u32, a fraction in an integer field, NaN) throws at the dispatch that would misuse it.

import type { Params } from './runtime.js';

export type ParamType = 'u32' | 'i32' | 'f32';
export type ParamDecl = Readonly<Record<string, ParamType>>;

export interface ParamBlock<D extends ParamDecl> {
  /** `struct Params { … }`, for the shader's {{PARAMS}} placeholder. */
  readonly wgsl: string;
  /** The values by name, as dispatch() takes them (f32 fields flagged in f32At). */
  pack(values: { readonly [K in keyof D]: number }): Params;
}

const fits: Record<ParamType, (v: number) => boolean> = {
  u32: (v) => Number.isInteger(v) && v >= 0 && v <= 0xffffffff,
  i32: (v) => Number.isInteger(v) && v >= -0x80000000 && v <= 0x7fffffff,
  f32: (v) => Number.isFinite(v),
};

/** The parameter block of kernel family `kernel` (named in errors): its fields, in struct order. */
export function defineParams<const D extends ParamDecl>(kernel: string, decl: D): ParamBlock<D> {
  const names = Object.keys(decl);
  if (names.length === 0) throw new Error(`webgrad: internal error: kernel '${kernel}' declares no parameters`);
  const types = names.map((n) => decl[n]!);
  const f32At = types.flatMap((t, i) => (t === 'f32' ? [i] : []));
  const wgsl = `struct Params {\n${names.map((n, i) => `  ${n}: ${types[i]},`).join('\n')}\n}`;
  return {
    wgsl,
    pack(values) {
      const record = values as Readonly<Record<string, number>>;
      const u32 = names.map((n, i) => {
        const v = record[n];
        if (v === undefined || !fits[types[i]!](v)) {
          throw new Error(`webgrad: internal error: kernel '${kernel}' parameter ${n}: ${types[i]} got ${String(v)}`);
        }
        return v;
      });
      return f32At.length ? { u32, f32At } : { u32 };
    },
  };
}

const bitsWord = new Uint32Array(1);
const bitsFloat = new Float32Array(bitsWord.buffer);

/**
 * The f32 bit pattern of `x` (rounded to f32), for a u32 field the shader bitcasts back: how a value
 * that may be ±inf or NaN, which f32 fields refuse, reaches a shader unchanged.
 */
export function f32Bits(x: number): number {
  bitsFloat[0] = x;
  return bitsWord[0]!;
}
