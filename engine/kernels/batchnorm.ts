// Launchers for shaders/batchnorm.wgsl. Every tensor arrives as a buffer plus an element
// offset, laid out contiguous [N, C, S]; the ops layer (engine/ops/batchnorm.ts) decides
// what to save and which of these run backward.

import { gpu } from '../device/device.js';
import { BN_APPLY_PARAMS, BN_FINALIZE_PARAMS, BN_GRADFIN_PARAMS, BN_PARTIAL_PARAMS } from './batchnorm-params.js';
import type { ParamBlock, ParamDecl } from './params.js';
import { dispatch, kernel } from './runtime.js';
import { shaderSource } from './shader-source.js';
import { grid1d } from './view.js';

export interface Loc {
  buffer: GPUBuffer;
  /** In f32 elements. */
  offset: number;
}

export interface BnDims {
  N: number;
  C: number;
  S: number;
}

// Per-channel kernels (finalize) are tiny: 64 wide. The streaming passes use 256: on
// lavapipe the apply pass at [128,64,56,56] takes 43 ms with 256, 86 with 128, 61-131 with 64.
const group = 64;
const applyGroup = 256;

// Every placeholder of batchnorm.wgsl, across its sections. shaderSource fills every placeholder of
// a file, so the file is read with each of these left as itself, and then the section alone is
// filled; a placeholder added to the file and not listed here is shaderSource's error.
const PLACEHOLDERS = ['PARAMS', 'VT', 'HSUM', 'BINDINGS', 'CENTER', 'ACC', 'STATS', 'WG', 'INDEX', 'EXPR'];
const unfilled = Object.fromEntries(PLACEHOLDERS.map((key) => [key, `{{${key}}}`]));

/** One `// @section` of batchnorm.wgsl, its struct from `params` and its placeholders from `values`. */
function section<D extends ParamDecl>(name: string, params: ParamBlock<D>, values: Record<string, string>): string {
  const raw = shaderSource('batchnorm', unfilled);
  const marker = `// @section ${name}\n`;
  const start = raw.indexOf(marker);
  const end = raw.indexOf('// @section ', start + marker.length);
  const text = raw.slice(start + marker.length, end < 0 ? undefined : end);
  const filled: Record<string, string> = { ...values, PARAMS: params.wgsl };
  return text.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    const value = filled[key];
    if (value === undefined) throw new Error(`webgrad: batchnorm.wgsl section ${name} needs {{${key}}}`);
    return value;
  });
}

/** vec4 loads when every channel row (and every base offset) is 4-aligned. */
export function bnVectorWidth(d: BnDims, offsets: readonly number[]): 1 | 4 {
  return d.S % 4 === 0 && offsets.every((o) => o % 4 === 0) ? 4 : 1;
}

const vt = (v: 1 | 4) => (v === 4 ? 'vec4<f32>' : 'f32');

/** Interleaved partials per channel: enough invocations for the device, >= 16 loads each. */
export function bnParts(d: BnDims, v: 1 | 4): { parts: number; PN: number; PS: number } {
  const SV = d.S / v;
  const wanted = Math.max(1, Math.min(Math.ceil(16384 / d.C), Math.ceil((d.N * SV) / 16), 4096));
  const PS = Math.min(SV, wanted);
  const PN = Math.min(d.N, Math.ceil(wanted / PS));
  return { parts: PN * PS, PN, PS };
}

/** The ReLU after a fused batch norm (ops' batchNormAct): backward masks g by y > 0. */
export interface ReluMask {
  /** The saved forward output. */
  y: Loc;
  /** Receives the masked gradient g·[y > 0], contiguous from element 0. */
  h: GPUBuffer;
}

/**
 * Per-channel partial sums into `out` (vec2 per (channel, part)); `out` holds C · parts
 * vec2s. stats: Σ(x − k), Σ(x − k)²; grad (g and chan given): Σg, Σg·(x − mean), with g
 * first masked by relu (and the masked g written to relu.h) when relu is given.
 */
export function launchBnPartial(x: Loc, d: BnDims, out: GPUBuffer, grad?: { g: Loc; chan: Loc; relu?: ReluMask }): number {
  const relu = grad?.relu;
  const v = bnVectorWidth(d, [x.offset, ...(grad ? [grad.g.offset] : []), ...(relu ? [relu.y.offset] : [])]);
  const { parts, PN, PS } = bnParts(d, v);
  const mode = grad ? (relu ? 'grad_relu' : 'grad') : 'stats';
  const T = vt(v);
  const read = (binding: number, name: string, type = T) => `@group(0) @binding(${binding}) var<storage, read> ${name}: array<${type}>;`;
  const write = (binding: number, name: string, type: string) => `@group(0) @binding(${binding}) var<storage, read_write> ${name}: array<${type}>;`;
  const bindings = !grad
    ? [read(1, 'x'), write(2, 'out', 'vec2<f32>')]
    : relu
      ? [read(1, 'x'), read(2, 'g'), read(3, 'y'), read(4, 'chan', 'f32'), write(5, 'h', T), write(6, 'out', 'vec2<f32>')]
      : [read(1, 'x'), read(2, 'g'), read(3, 'chan', 'f32'), write(4, 'out', 'vec2<f32>')];
  const k = kernel({
    key: `batchnorm:partial:${mode}:${v === 4 ? 'v4' : 's'}`,
    inputs: bindings.length - 1 - (relu ? 1 : 0),
    outputs: relu ? 2 : 1,
    wgsl: () => section('partial', BN_PARTIAL_PARAMS, {
      VT: T,
      HSUM: v === 4 ? 'dot(v, vec4<f32>(1.0))' : 'v',
      BINDINGS: bindings.join('\n'),
      // The shift k: x[0, c, 0] for the statistics, the mean itself for the gradient sums.
      CENTER: grad ? 'chan[P.x_scalar_offset + c]' : `x[P.x_offset + c * P.SV]${v === 4 ? '.x' : ''}`,
      ACC: !grad
        ? 'acc1 += d; acc2 += d * d;'
        : relu
          ? 'let gv = select(VT(0.0), g[P.g_offset + base + s], y[P.y_offset + base + s] > VT(0.0));\n      h[base + s] = gv; acc1 += gv; acc2 += gv * d;'
          : 'let gv = g[P.g_offset + base + s]; acc1 += gv; acc2 += gv * d;',
    }),
  });
  const { groups, row } = grid1d(d.C * parts, group, gpu().limits.maxComputeWorkgroupsPerDimension);
  const params = BN_PARTIAL_PARAMS.pack({
    N: d.N, C: d.C, SV: d.S / v, parts, PN, PS, x_offset: x.offset / v, g_offset: grad ? grad.g.offset / v : 0,
    row, x_scalar_offset: grad ? grad.chan.offset : 0, y_offset: relu ? relu.y.offset / v : 0,
  });
  const buffers = !grad
    ? [{ buffer: x.buffer }, { buffer: out }]
    : relu
      ? [{ buffer: x.buffer }, { buffer: grad.g.buffer }, { buffer: relu.y.buffer }, { buffer: grad.chan.buffer }, { buffer: relu.h }, { buffer: out }]
      : [{ buffer: x.buffer }, { buffer: grad.g.buffer }, { buffer: grad.chan.buffer }, { buffer: out }];
  dispatch(k, buffers, params, groups);
  return parts;
}

export interface AffineLocs {
  weight?: Loc;
  bias?: Loc;
}

/** The finalize section's parameters; those a mode does not read are 0. */
function finalizeParams(C: number, eps: number, a: AffineLocs, mode: { parts?: number; count?: number; xOffset?: number; S?: number; meanOffset?: number; varOffset?: number }) {
  return BN_FINALIZE_PARAMS.pack({
    C, parts: mode.parts ?? 0, count: mode.count ?? 1, eps, x_offset: mode.xOffset ?? 0, S: mode.S ?? 0,
    has_weight: a.weight ? 1 : 0, has_bias: a.bias ? 1 : 0, mean_offset: mode.meanOffset ?? 0, var_offset: mode.varOffset ?? 0,
  });
}

const weightBindings = (first: number) => [
  `@group(0) @binding(${first}) var<storage, read> weight: array<f32>;`,
  `@group(0) @binding(${first + 1}) var<storage, read> bias: array<f32>;`,
].join('\n');

/** Training statistics: folds the partials of launchBnPartial (stats) into chan [5, C]. */
export function launchBnFinalizeTrain(partials: GPUBuffer, parts: number, x: Loc, d: BnDims, eps: number, affine: AffineLocs, chan: GPUBuffer): void {
  const k = kernel({
    key: 'batchnorm:finalize:train',
    inputs: 4,
    outputs: 1,
    wgsl: () => section('finalize', BN_FINALIZE_PARAMS, {
      BINDINGS: ['@group(0) @binding(1) var<storage, read> partials: array<vec2<f32>>;',
        '@group(0) @binding(2) var<storage, read> x: array<f32>;', weightBindings(3),
        '@group(0) @binding(5) var<storage, read_write> chan: array<f32>;'].join('\n'),
      STATS: [
        'var sums = vec2<f32>(0.0);',
        '  for (var p = 0u; p < P.parts; p++) { sums += partials[c * P.parts + p]; }',
        '  let shifted = sums.x / P.count;',
        '  mean = x[P.x_offset + c * P.S] + shifted;',
        '  variance = max(sums.y / P.count - shifted * shifted, 0.0);',
      ].join('\n'),
    }),
  });
  // Absent weight/bias: any buffer fills the binding; has_weight/has_bias say to ignore it.
  dispatch(k, [{ buffer: partials }, { buffer: x.buffer }, { buffer: (affine.weight ?? x).buffer }, { buffer: (affine.bias ?? x).buffer }, { buffer: chan }],
    finalizeParams(d.C, eps, affine, { parts, count: d.N * d.S, xOffset: x.offset, S: d.S }), [Math.ceil(d.C / group)]);
}

/** Eval statistics: the running mean/var (and weight/bias) into chan [5, C]. */
export function launchBnFinalizeEval(runningMean: Loc, runningVar: Loc, C: number, eps: number, affine: AffineLocs, chan: GPUBuffer): void {
  const k = kernel({
    key: 'batchnorm:finalize:eval',
    inputs: 4,
    outputs: 1,
    wgsl: () => section('finalize', BN_FINALIZE_PARAMS, {
      BINDINGS: ['@group(0) @binding(1) var<storage, read> running_mean: array<f32>;',
        '@group(0) @binding(2) var<storage, read> running_var: array<f32>;', weightBindings(3),
        '@group(0) @binding(5) var<storage, read_write> chan: array<f32>;'].join('\n'),
      STATS: 'mean = running_mean[P.mean_offset + c];\n  variance = running_var[P.var_offset + c];',
    }),
  });
  const params = finalizeParams(C, eps, affine, { meanOffset: runningMean.offset, varOffset: runningVar.offset });
  dispatch(k, [{ buffer: runningMean.buffer }, { buffer: runningVar.buffer }, { buffer: (affine.weight ?? runningMean).buffer },
    { buffer: (affine.bias ?? runningMean).buffer }, { buffer: chan }], params, [Math.ceil(C / group)]);
}

/** Gradient coefficients [6, C] (A, B, C0, dweight, dbias, mean) from grad partials and chan. */
export function launchBnGradFinalize(partials: GPUBuffer, parts: number, chan: GPUBuffer, d: BnDims, training: boolean, gout: GPUBuffer): void {
  const k = kernel({ key: 'batchnorm:gradfin', inputs: 2, outputs: 1, wgsl: () => section('gradfin', BN_GRADFIN_PARAMS, {}) });
  dispatch(k, [{ buffer: partials }, { buffer: chan }, { buffer: gout }],
    BN_GRADFIN_PARAMS.pack({ C: d.C, parts, count: d.N * d.S, training: training ? 1 : 0 }), [Math.ceil(d.C / group)]);
}

/**
 * out = in0·coef[r0 + c] (+ (in1 − coef[r3 + c])·coef[r1 + c]) + coef[r2 + c] over [N, C, S];
 * out is contiguous from element 0. rows are element offsets into `coef` (r1, r3 only with in1).
 */
export function launchBnApply(in0: Loc, in1: Loc | undefined, d: BnDims, coef: GPUBuffer, rows: readonly [number, number, number, number?], out: GPUBuffer): void {
  applyPass(in1 ? 'two' : 'one', in0, in1, d, coef, rows, out, (coefAt) =>
    `in0[P.in0_offset + q] * ${coefAt('r0')}${in1 ? ` + (in1[P.in1_offset + q] - ${coefAt('r3')}) * ${coefAt('r1')}` : ''} + ${coefAt('r2')}`);
}

/** What follows the normalization in a fused forward (ops' batchNormAct). */
export interface BnEpilogue {
  /** Added after the affine, before the relu; contiguous [N, C, S] like x. */
  residual?: Loc;
  relu: boolean;
}

/** out = relu?(x·coef[scale + c] + coef[shift + c] (+ residual)) over [N, C, S], contiguous from 0. */
export function launchBnApplyEpilogue(x: Loc, d: BnDims, coef: GPUBuffer, rows: { scale: number; shift: number }, epilogue: BnEpilogue, out: GPUBuffer): void {
  const { residual, relu } = epilogue;
  const name = `${residual ? 'add' : ''}${residual && relu ? '_' : ''}${relu ? 'relu' : ''}` || 'one';
  applyPass(name, x, residual, d, coef, [rows.scale, 0, rows.shift], out, (coefAt) => {
    const z = `in0[P.in0_offset + q] * ${coefAt('r0')} + ${coefAt('r2')}${residual ? ' + in1[P.in1_offset + q]' : ''}`;
    return relu ? `max(${z}, VT(0.0))` : z;
  });
}

/** The streaming pass of the apply section, for one expression of in0 (and in1) and the coef rows. */
function applyPass(variant: string, in0: Loc, in1: Loc | undefined, d: BnDims, coef: GPUBuffer, rows: readonly [number, number, number, number?], out: GPUBuffer,
  expr: (coefAt: (r: string) => string) => string): void {
  const total = d.N * d.C * d.S;
  if (total === 0) return;
  const v = bnVectorWidth(d, [in0.offset, ...(in1 ? [in1.offset] : [])]);
  const T = vt(v);
  const coefAt = (r: string) => (v === 4 ? `VT(coef[P.${r} + c])` : `coef[P.${r} + c]`);
  const SV = d.S / v;
  const rowsVariant = SV >= 32;
  const k = kernel({
    key: `batchnorm:apply:${variant}:${v === 4 ? 'v4' : 's'}:${rowsVariant ? 'rows' : 'flat'}:wg${applyGroup}`,
    inputs: in1 ? 3 : 2,
    outputs: 1,
    wgsl: () => section('apply', BN_APPLY_PARAMS, {
      VT: T,
      WG: String(applyGroup),
      BINDINGS: [
        `@group(0) @binding(1) var<storage, read> in0: array<${T}>;`,
        ...(in1 ? [`@group(0) @binding(2) var<storage, read> in1: array<${T}>;`] : []),
        `@group(0) @binding(${in1 ? 3 : 2}) var<storage, read> coef: array<f32>;`,
        `@group(0) @binding(${in1 ? 4 : 3}) var<storage, read_write> out: array<${T}>;`,
      ].join('\n'),
      // rows: P.row = grid rows per z layer; flat: P.row = invocations per grid row.
      INDEX: rowsVariant
        ? 'let nc = wid.z * P.row + wid.y;\n  let c = nc % P.C;\n  if (gid.x >= P.SV) { return; }\n  let q = nc * P.SV + gid.x;'
        : 'let q = gid.x + gid.y * P.row;\n  let c = (q / P.SV) % P.C;',
      EXPR: expr(coefAt),
    }),
  });
  const numel = total / v;
  const maxPerDim = gpu().limits.maxComputeWorkgroupsPerDimension;
  let groups: [number, number, number];
  let row: number;
  if (rowsVariant) {
    const channelRows = d.N * d.C;
    const z = Math.ceil(channelRows / maxPerDim);
    row = Math.ceil(channelRows / z);
    groups = [Math.ceil(SV / applyGroup), row, z];
  } else {
    const flat = grid1d(numel, applyGroup, maxPerDim);
    row = flat.row;
    groups = [...flat.groups, 1];
  }
  const params = BN_APPLY_PARAMS.pack({
    numel, SV, C: d.C, row, in0_offset: in0.offset / v, in1_offset: in1 ? in1.offset / v : 0, out_offset: 0,
    r0: rows[0], r1: rows[1], r2: rows[2], r3: rows[3] ?? 0,
  });
  const buffers = [{ buffer: in0.buffer }, ...(in1 ? [{ buffer: in1.buffer }] : []), { buffer: coef }, { buffer: out }];
  dispatch(k, buffers, params, groups);
}
