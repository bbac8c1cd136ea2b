// Launcher for shaders/elementwise.wgsl: any expression over up to 4 strided inputs,
// written to a contiguous output. Unary, binary, where, comparisons, casts, copies and the
// elementwise halves of backward passes are all instances of this one kernel.

import { gpu } from '../device/device.js';
import { broadcastStrides, contiguousStrides, numel, sameShape, type Shape } from '../tensor/shape.js';
import { dispatch, kernel } from './runtime.js';
import { shaderSource } from './shader-source.js';
import { grid1d, type View, wgslType } from './view.js';

export const inputNames = ['a', 'b', 'c', 'd'] as const;
const maxRank = 8;

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

// Output strides live after the 4 inputs' strides: vec4 slots 8 and 9 of P.strides.
const outSlot = 4;

function scalarBody(spec: MapSpec, direct: boolean[], aliased: boolean[], outDirect: boolean, rank: number): string {
  const lines: string[] = ['  let i = q;'];
  const strided = spec.inputs.map((_, k) => k).filter((k) => !direct[k]);
  if (!outDirect) strided.push(outSlot);
  if (strided.length > 0) {
    lines.push('  var rem = i;');
    for (const k of strided) lines.push(k === outSlot ? '  var oo = P.out_offset;' : `  var o${k} = P.in_offset[${k}];`);
    for (let d = rank - 1; d >= 0; d--) {
      lines.push(`  { let n = dim(P.shape, ${d}u); let c = rem % n; rem = rem / n;`);
      for (const k of strided) lines.push(`    ${k === outSlot ? 'oo' : `o${k}`} += c * P.strides[${2 * k + (d >> 2)}][${d & 3}];`);
      lines.push('  }');
    }
  }
  lines.push(`  let out_index = ${outDirect ? 'P.out_offset + i' : 'oo'};`);
  spec.inputs.forEach((_, k) => {
    const index = direct[k] ? `P.in_offset[${k}] + i` : `o${k}`;
    lines.push(`  let ${inputNames[k]} = ${aliased[k] ? 'out' : `in${k}`}[${index}];`);
  });
  lines.push(`  out[out_index] = ${spec.expr};`);
  return lines.join('\n');
}

function vec4Body(spec: MapSpec, single: boolean[], aliased: boolean[], outType: string): string {
  const lines: string[] = [];
  spec.inputs.forEach((_, k) => {
    const source = aliased[k] ? 'out' : `in${k}`;
    lines.push(single[k] ? `  let v${k} = ${source}[P.in_offset[${k}]];` : `  let v${k} = ${source}[P.in_offset[${k}] / 4u + q];`);
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
      BINDINGS: [
        ...bound.map((k, slot) => `@group(0) @binding(${slot + 1}) var<storage, read> in${k}: array<${vecType(types[k]!, k)}>;`),
        `@group(0) @binding(${bound.length + 1}) var<storage, read_write> out: array<${vecType(outType)}>;`,
      ].join('\n'),
      FUNCTIONS: shaderSource('math'),
      BODY: vec4 ? vec4Body(spec, single, aliased, outType) : scalarBody(spec, direct, aliased, outDirect, rank),
    }),
  });
  const words = new Array<number>(60).fill(0);
  const invocations = vec4 ? n / 4 : n;
  words[0] = invocations;
  words[1] = out.offset;
  const { groups, row } = grid1d(invocations, 256, gpu().limits.maxComputeWorkgroupsPerDimension);
  words[2] = row;
  out.shape.forEach((d, i) => (words[4 + i] = d));
  (spec.scalars ?? []).forEach((s, i) => (words[12 + i] = s));
  inputs.forEach((v, k) => {
    words[16 + k] = v.offset;
    broadcastStrides(v.shape, v.strides, out.shape).forEach((s, d) => (words[20 + 8 * k + d] = s));
  });
  out.strides.forEach((st, d) => (words[20 + 8 * outSlot + d] = st));
  dispatch(k, [...bound.map((i) => ({ buffer: inputs[i]!.buffer })), { buffer: out.buffer }], { u32: words, f32At: [12, 13, 14, 15] }, groups);
}
