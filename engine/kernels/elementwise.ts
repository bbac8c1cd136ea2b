// Launcher for shaders/elementwise.wgsl: any expression over up to 4 strided inputs,
// written to a contiguous output. Unary, binary, where, comparisons, casts, copies and the
// elementwise halves of backward passes are all instances of this one kernel.

import { gpu } from '../device/device.js';
import { broadcastStrides, contiguousStrides, numel, sameShape, type Shape } from '../tensor/shape.js';
import { defineParams, type ParamType } from './params.js';
import { dispatch, kernel } from './runtime.js';
import { shaderSource } from './shader-source.js';
import { grid1d, type View, wgslType } from './view.js';

export const inputNames = ['a', 'b', 'c', 'd'] as const;
const maxRank = 8;
const dims = [...Array(maxRank).keys()];

// Where each input's (k = 0..3) and the output's (k = outSlot) offset and strides live in Params:
// one scalar field each, so the generated body names them (P.in1_stride3) instead of indexing
// vec4 slots, and the uniform needs no padding.
const outSlot = 4;
const slotName = (k: number) => (k === outSlot ? 'out' : `in${k}`);
const offsetField = (k: number) => `${slotName(k)}_offset`;
const strideField = (k: number, d: number) => `${slotName(k)}_stride${d}`;

const fields: ReadonlyArray<readonly [string, ParamType]> = [
  ['numel', 'u32'], // invocations (vec4s in the vec4 variant)
  ['row', 'u32'], // invocations per grid row
  ...dims.map((d) => [`shape${d}`, 'u32'] as const), // the output's shape; dims past its rank are 0
  // The scalars s0..s3 of the expression as f32 bits (the shader bitcasts them): they may be
  // ±inf or NaN (masked_fill with -inf, the NaN mean of nothing), which f32 fields refuse.
  ...inputNames.map((_, i) => [`s${i}_bits`, 'u32'] as const),
  ...[0, 1, 2, 3, outSlot].flatMap((k) => [[offsetField(k), 'u32'] as const, ...dims.map((d) => [strideField(k, d), 'u32'] as const)]),
];

/** shaders/elementwise.wgsl's parameters (params.ts): the output shape and every binding's offset and strides, rank <= 8. */
export const MAP_PARAMS = defineParams('elementwise', Object.fromEntries(fields));

// Every field 0: those past the rank, the inputs and the scalars a map uses stay so.
const zeros: Readonly<Record<string, number>> = Object.fromEntries(fields.map(([name]) => [name, 0]));
const bits = new Uint32Array(1);
const asF32 = new Float32Array(bits.buffer);

/** The f32 bit pattern of `x` (rounded to f32), as a u32. */
function f32Bits(x: number): number {
  asF32[0] = x;
  return bits[0]!;
}

export interface MapSpec {
  /** Short stable name for the key, e.g. 'add' or 'relu_grad'. */
  name: string;
  /** WGSL expression over a, b, c, d (inputs) and s0..s3 (scalars); its type must be the output's. */
  expr: string;
  inputs: readonly View[];
  out: View;
  scalars?: readonly number[];
}

function isDirect(input: View, outShape: Shape): boolean {
  return sameShape(input.shape, outShape) && input.strides.every((s, i) => input.shape[i] === 1 || s === contiguousStrides(outShape)[i]);
}

function scalarBody(spec: MapSpec, direct: boolean[], aliased: boolean[], outDirect: boolean, rank: number): string {
  const lines: string[] = ['  let i = q;'];
  const strided = spec.inputs.map((_, k) => k).filter((k) => !direct[k]);
  if (!outDirect) strided.push(outSlot);
  if (strided.length > 0) {
    lines.push('  var rem = i;');
    for (const k of strided) lines.push(`  var ${k === outSlot ? 'oo' : `o${k}`} = P.${offsetField(k)};`);
    for (let d = rank - 1; d >= 0; d--) {
      lines.push(`  { let n = P.shape${d}; let c = rem % n; rem = rem / n;`);
      for (const k of strided) lines.push(`    ${k === outSlot ? 'oo' : `o${k}`} += c * P.${strideField(k, d)};`);
      lines.push('  }');
    }
  }
  lines.push(`  let out_index = ${outDirect ? 'P.out_offset + i' : 'oo'};`);
  spec.inputs.forEach((_, k) => {
    const index = direct[k] ? `P.${offsetField(k)} + i` : `o${k}`;
    lines.push(`  let ${inputNames[k]} = ${aliased[k] ? 'out' : `in${k}`}[${index}];`);
  });
  lines.push(`  out[out_index] = ${spec.expr};`);
  return lines.join('\n');
}

function vec4Body(spec: MapSpec, single: boolean[], aliased: boolean[], outType: string): string {
  const lines: string[] = [];
  spec.inputs.forEach((_, k) => {
    const source = aliased[k] ? 'out' : `in${k}`;
    lines.push(single[k] ? `  let v${k} = ${source}[P.${offsetField(k)}];` : `  let v${k} = ${source}[P.${offsetField(k)} / 4u + q];`);
  });
  lines.push(`  var r: vec4<${outType}>;`);
  ['x', 'y', 'z', 'w'].forEach((c, lane) => {
    const names = spec.inputs.map((_, k) => `let ${inputNames[k]} = v${k}${single[k] ? '' : `.${c}`};`).join(' ');
    lines.push(`  { let i = q * 4u + ${lane}u; ${names} r.${c} = ${spec.expr}; }`);
  });
  lines.push('  out[P.out_offset / 4u + q] = r;');
  return lines.join('\n');
}

/** Records out = expr(inputs) elementwise; inputs are broadcast to out.shape. */
export function launchMap(spec: MapSpec): void {
  const { inputs, out } = spec;
  const n = numel(out.shape);
  if (n === 0) return;
  if (inputs.length > 4) throw new Error(`webgrad: internal error: elementwise '${spec.name}' has ${inputs.length} inputs (max 4)`);
  const rank = out.shape.length;
  if (rank > maxRank) throw new Error(`${spec.name}: tensors of rank ${rank} are not supported (max ${maxRank})`);
  const direct = inputs.map((v) => isDirect(v, out.shape));
  // A strided output (a slice being filled, as cat and narrow's backward do) walks its own strides.
  const outDirect = isDirect(out, out.shape);
  // An input living in the output's buffer (in-place update) is read through the output
  // binding: WebGPU forbids binding one buffer as read-only and writable in one dispatch.
  const aliased = inputs.map((v) => v.buffer === out.buffer);
  const bound = inputs.map((_, k) => k).filter((k) => !aliased[k]);
  const types = inputs.map((v) => wgslType(v.dtype));
  const outType = wgslType(out.dtype);
  const single = inputs.map((v) => numel(v.shape) === 1);
  const vec4 = outDirect && n % 4 === 0 && out.offset % 4 === 0
    && inputs.every((v, k) => single[k] || (direct[k] && v.offset % 4 === 0));
  const vecType = (t: string, k?: number) => (vec4 && (k === undefined || !single[k]) ? `vec4<${t}>` : t);
  const key = `map:${spec.name}:${types.join(',')}>${outType}:r${rank}:${direct.map((d) => (d ? 'c' : 's')).join('')}${outDirect ? '' : ':sout'}${aliased.some((x) => x) ? `:alias${aliased.map(Number).join('')}` : ''}${vec4 ? `:v4${single.map(Number).join('')}` : ''}:${spec.expr}`;
  const k = kernel({
    key,
    inputs: bound.length,
    outputs: 1,
    wgsl: () => shaderSource('elementwise', {
      PARAMS: MAP_PARAMS.wgsl,
      BINDINGS: [
        ...bound.map((k, slot) => `@group(0) @binding(${slot + 1}) var<storage, read> in${k}: array<${vecType(types[k]!, k)}>;`),
        `@group(0) @binding(${bound.length + 1}) var<storage, read_write> out: array<${vecType(outType)}>;`,
      ].join('\n'),
      FUNCTIONS: shaderSource('math'),
      BODY: vec4 ? vec4Body(spec, single, aliased, outType) : scalarBody(spec, direct, aliased, outDirect, rank),
    }),
  });
  const invocations = vec4 ? n / 4 : n;
  const { groups, row } = grid1d(invocations, 256, gpu().limits.maxComputeWorkgroupsPerDimension);
  const values: Record<string, number> = { ...zeros, numel: invocations, row };
  out.shape.forEach((d, i) => (values[`shape${i}`] = d));
  (spec.scalars ?? []).forEach((s, i) => (values[`s${i}_bits`] = f32Bits(s)));
  inputs.forEach((v, k) => {
    values[offsetField(k)] = v.offset;
    broadcastStrides(v.shape, v.strides, out.shape).forEach((s, d) => (values[strideField(k, d)] = s));
  });
  values[offsetField(outSlot)] = out.offset;
  out.strides.forEach((st, d) => (values[strideField(outSlot, d)] = st));
  dispatch(k, [...bound.map((i) => ({ buffer: inputs[i]!.buffer })), { buffer: out.buffer }], MAP_PARAMS.pack(values), groups);
}
