// Launchers for shaders/conv2d.wgsl (forward and grad-input), conv2d_wgrad.wgsl (grad-weight)
// and conv2d_pack.wgsl (weight repacking). They take buffers and shapes, never tensors.
//
// Tensors larger than one storage binding (maxStorageBufferBindingSize, 128 MiB on lavapipe)
// are processed in batch chunks: each chunk binds a sub-range of the batch-major tensors at a
// 256-byte-aligned offset and passes the remaining element offset to the kernel. grad-weight
// accumulates over the chunks. `convTuning.maxBindingBytes` forces small chunks in tests.

import { gpu } from '../device/device.js';
import { type BufferBinding, dispatch, kernel } from './runtime.js';
import { CONV2D_PARAMS, PACK_PARAMS, WGRAD_PACK_PARAMS, WGRAD_PARAMS } from './conv2d-params.js';
import { shaderSource } from './shader-source.js';
import { kernelTuning } from './tuning.js';
import { grid1d } from './view.js';

export interface Conv2dGeometry {
  N: number; C: number; H: number; W: number;
  O: number; kh: number; kw: number;
  Ho: number; Wo: number;
  stride: [number, number];
  /** Top and left padding (bottom/right only shape Ho/Wo). */
  padding: [number, number];
  dilation: [number, number];
  groups: number;
}

/** A tensor's storage: buffer and element offset of a contiguous [N, …] tensor. */
export interface Dense {
  buffer: GPUBuffer;
  offset: number;
}

export const convTuning = {
  /** Overrides the adapter's maxStorageBufferBindingSize for chunking (tests). */
  maxBindingBytes: undefined as number | undefined,
};

// Must match TM / TN4 / TN in the shaders.
const TM = 12;
const COLS4 = 2;
const ALIGN = 256;

function maxBinding(): number {
  return convTuning.maxBindingBytes ?? gpu().limits.maxStorageBufferBindingSize;
}

/** Images per chunk so that every batch-major tensor (elements per image listed) fits one binding. */
export function chunkImages(op: string, N: number, perImage: readonly number[]): number {
  const largest = Math.max(...perImage) * 4;
  const fit = Math.floor((maxBinding() - ALIGN) / largest);
  if (fit < 1) {
    throw new Error(`${op}: one image needs ${largest} bytes, over this adapter's storage binding limit of ${maxBinding()} bytes; use smaller images`);
  }
  return Math.min(N, fit);
}

/** Binds images [n0, n0+count) of a batch-major tensor; returns the binding and the element offset within it. */
export function bindImages(t: Dense, perImage: number, n0: number, count: number): { binding: BufferBinding; offset: number } {
  const start = (t.offset + n0 * perImage) * 4;
  const aligned = Math.floor(start / ALIGN) * ALIGN;
  const size = start - aligned + count * perImage * 4;
  return { binding: { buffer: t.buffer, offset: aligned, size: Math.max(4, size) }, offset: (start - aligned) / 4 };
}

function foldRows(tiles: number): [number, number] {
  const maxGroups = gpu().limits.maxComputeWorkgroupsPerDimension;
  const y = Math.min(tiles, maxGroups);
  return [y, Math.ceil(tiles / y)];
}

/** Elements of the packed weight for conv2d.wgsl: [groups, kh·kw, S, round4(NC)]. */
export function packedSize(g: Conv2dGeometry, gradInput: boolean): number {
  const Cg = g.C / g.groups;
  const Og = g.O / g.groups;
  const [S, NC] = gradInput ? [Og, Cg] : [Cg, Og];
  return g.groups * g.kh * g.kw * S * Math.ceil(NC / 4) * 4;
}

/** Repacks weight [O, C/groups, kh, kw] for the forward (gradInput false) or grad-input kernel. */
export function launchPackWeight(w: Dense, g: Conv2dGeometry, gradInput: boolean, out: GPUBuffer): void {
  const Cg = g.C / g.groups;
  const Og = g.O / g.groups;
  const [S, NC] = gradInput ? [Og, Cg] : [Cg, Og];
  const NCP = Math.ceil(NC / 4) * 4;
  const total = packedSize(g, gradInput);
  const k = kernel({ key: 'conv2d:pack', inputs: 1, outputs: 1, wgsl: () => shaderSource('conv2d_pack', { PARAMS: PACK_PARAMS.wgsl }) });
  const { groups, row } = grid1d(total, 256, gpu().limits.maxComputeWorkgroupsPerDimension);
  dispatch(k, [{ buffer: w.buffer }, { buffer: out }],
    PACK_PARAMS.pack({ total, row, taps: g.kh * g.kw, S, NC, NCP, Og, Cg, swap: gradInput ? 1 : 0, w_offset: w.offset }), groups);
}

/** What the forward's epilogue adds after the bias (inference with BatchNorm folded in). */
export interface ConvEpilogue {
  relu?: boolean;
  /** A contiguous tensor of the output's shape, added before the relu. */
  residual?: Dense;
}

function convKernel(hasBias: boolean, relu: boolean, residual: boolean) {
  const wg = kernelTuning().conv2dWorkgroup; // per adapter class: tuning.ts
  return {
    wg,
    k: kernel({
      key: `conv2d:implicit-gemm:${TM}x${4 * COLS4}:wg${wg}${hasBias ? ':bias' : ''}${residual ? ':residual' : ''}${relu ? ':relu' : ''}`,
      inputs: residual ? 4 : 3, outputs: 1,
      wgsl: () => shaderSource('conv2d', {
        PARAMS: CONV2D_PARAMS.wgsl, HAS_BIAS: String(hasBias), RELU: String(relu), WG: wg,
        // WGSL resolves names in dead branches too: the residual is named only where it is bound
        ADD_RESIDUAL: residual ? 'v += residual[P.res_offset + at];' : '',
        RESIDUAL_BINDING: residual ? '@group(0) @binding(4) var<storage, read> residual: array<f32>;' : '',
        OUT_BINDING: residual ? 5 : 4,
      }),
    }),
  };
}

interface Pass {
  src: Dense; srcPerImage: number; S: number; Hs: number; Ws: number;
  out: Dense; outPerImage: number; NC: number; Ho: number; Wo: number;
  /** Row grid and how rows map to output pixels and source positions. */
  Qh: number; Qw: number; OS: [number, number]; OP: [number, number]; A: [number, number];
  TMul: [number, number]; TB: [number, number]; TD: [number, number];
}

function runPass(op: string, g: Conv2dGeometry, packed: GPUBuffer, bias: Dense | null, p: Pass, epilogue: ConvEpilogue = {}): void {
  if (p.Qh === 0 || p.Qw === 0) return;
  const { wg, k } = convKernel(bias !== null, epilogue.relu ?? false, epilogue.residual !== undefined);
  const NC4 = Math.ceil(p.NC / 4);
  const colTiles = Math.ceil(NC4 / (wg * COLS4));
  const chunk = chunkImages(op, g.N, [p.srcPerImage, p.outPerImage]);
  for (let n0 = 0; n0 < g.N; n0 += chunk) {
    const count = Math.min(chunk, g.N - n0);
    const src = bindImages(p.src, p.srcPerImage, n0, count);
    const out = bindImages(p.out, p.outPerImage, n0, count);
    const rows = count * p.Qh * p.Qw;
    const [ty, tz] = foldRows(Math.ceil(rows / TM));
    const biasBinding = bias ? { buffer: bias.buffer } : { buffer: packed };
    const bindings = [src.binding, { buffer: packed }, biasBinding];
    const res = epilogue.residual ? bindImages(epilogue.residual, p.outPerImage, n0, count) : undefined;
    if (res) bindings.push(res.binding);
    const params = CONV2D_PARAMS.pack({
      rows, Qh: p.Qh, Qw: p.Qw, tiles_y: ty, S: p.S, Hs: p.Hs, Ws: p.Ws, src_img: p.srcPerImage, src_offset: src.offset,
      NC: p.NC, NC4, col_tiles: colTiles, KH: g.kh, KW: g.kw, A_Y: p.A[0], A_X: p.A[1],
      TM_Y: p.TMul[0], TB_Y: p.TB[0], TD_Y: p.TD[0], TM_X: p.TMul[1], TB_X: p.TB[1], TD_X: p.TD[1],
      Ho: p.Ho, Wo: p.Wo, out_img: p.outPerImage, out_offset: out.offset,
      OS_Y: p.OS[0], OS_X: p.OS[1], OP_Y: p.OP[0], OP_X: p.OP[1], bias_offset: bias?.offset ?? 0, res_offset: res?.offset ?? 0,
    });
    dispatch(k, [...bindings, out.binding], params, [g.groups * colTiles, ty, tz]);
  }
}

/** y = conv2d(x, w) + bias (then the epilogue); x, y contiguous NCHW; `packed` from launchPackWeight(…, false). */
export function launchConv2dForward(x: Dense, packed: GPUBuffer, bias: Dense | null, y: Dense, g: Conv2dGeometry, epilogue: ConvEpilogue = {}): void {
  runPass('conv2d', g, packed, bias, {
    src: x, srcPerImage: g.C * g.H * g.W, S: g.C / g.groups, Hs: g.H, Ws: g.W,
    out: y, outPerImage: g.O * g.Ho * g.Wo, NC: g.O / g.groups, Ho: g.Ho, Wo: g.Wo,
    Qh: g.Ho, Qw: g.Wo, OS: [1, 1], OP: [0, 0], A: g.stride,
    TMul: g.dilation, TB: [-g.padding[0], -g.padding[1]], TD: [1, 1],
  }, epilogue);
}

/** dx = conv2dᵀ(gy, w), one dispatch per stride phase; `packed` from launchPackWeight(…, true). */
export function launchConv2dGradInput(gy: Dense, packed: GPUBuffer, dx: Dense, g: Conv2dGeometry): void {
  const [sy, sx] = g.stride;
  for (let py = 0; py < Math.min(sy, g.H); py++) {
    for (let px = 0; px < Math.min(sx, g.W); px++) {
      runPass('conv2d backward', g, packed, null, {
        src: gy, srcPerImage: g.O * g.Ho * g.Wo, S: g.O / g.groups, Hs: g.Ho, Ws: g.Wo,
        out: dx, outPerImage: g.C * g.H * g.W, NC: g.C / g.groups, Ho: g.H, Wo: g.W,
        Qh: Math.ceil((g.H - py) / sy), Qw: Math.ceil((g.W - px) / sx), OS: [sy, sx], OP: [py, px], A: [1, 1],
        TMul: [-g.dilation[0], -g.dilation[1]], TB: [py + g.padding[0], px + g.padding[1]], TD: [sy, sx],
      });
    }
  }
}

/** Elements per image of gy repacked pixel-major for conv2d_wgrad.wgsl: [Ho·Wo, groups, round4(Og)]. */
function packedGradPerImage(g: Conv2dGeometry): number {
  return g.Ho * g.Wo * g.groups * Math.ceil(g.O / g.groups / 4) * 4;
}

/** Images per grad-weight chunk: x, gy and gy repacked must each fit one storage binding. */
function gradWeightChunk(g: Conv2dGeometry): number {
  return chunkImages('conv2d backward', g.N, [g.C * g.H * g.W, g.O * g.Ho * g.Wo, packedGradPerImage(g)]);
}

/** Elements of the scratch buffer launchConv2dGradWeight repacks gy into (one chunk's worth). */
export function gradWeightScratchSize(g: Conv2dGeometry): number {
  return gradWeightChunk(g) * packedGradPerImage(g);
}

/**
 * dW [O, C/groups, kh, kw] = Σ gyᵀ · patches(x) over the batch. Per batch chunk: gy repacked
 * pixel-major into `scratch` (gradWeightScratchSize elements), then the GEMM accumulates.
 */
export function launchConv2dGradWeight(x: Dense, gy: Dense, dw: GPUBuffer, scratch: GPUBuffer, g: Conv2dGeometry): void {
  const wg = kernelTuning().conv2dGradWeightWorkgroup;
  const Cg = g.C / g.groups;
  const Og = g.O / g.groups;
  const Og4 = Math.ceil(Og / 4);
  const taps = g.kh * g.kw;
  // Few input channels (the RGB stem): rows are (c, kx) pairs of one ky, so tiles are not mostly empty.
  const foldKx = Cg < TM && g.kw > 1;
  const rows = foldKx ? Cg * g.kw : Cg;
  const rowTiles = Math.ceil(rows / TM);
  const colTiles = Math.ceil(Og4 / (wg * COLS4));
  const xImg = g.C * g.H * g.W;
  const gImg = g.O * g.Ho * g.Wo;
  const oplane = g.Ho * g.Wo;
  const chunk = gradWeightChunk(g);
  const maxGroups = gpu().limits.maxComputeWorkgroupsPerDimension;
  const pack = kernel({ key: 'conv2d:wgrad-pack', inputs: 1, outputs: 1, wgsl: () => shaderSource('conv2d_wgrad_pack', { PARAMS: WGRAD_PACK_PARAMS.wgsl }) });
  for (let n0 = 0; n0 < g.N; n0 += chunk) {
    const count = Math.min(chunk, g.N - n0);
    const accumulate = n0 > 0;
    const gb = bindImages(gy, gImg, n0, count);
    const total = count * oplane * g.groups * Og4;
    const grid = grid1d(total, 256, maxGroups);
    dispatch(pack, [gb.binding, { buffer: scratch }],
      WGRAD_PACK_PARAMS.pack({ total, row: grid.row, oplane, Og, Og4, groups: g.groups, g_img: gImg, g_offset: gb.offset }), grid.groups);
    const k = kernel({
      key: `conv2d:wgrad:${TM}x${4 * COLS4}:wg${wg}${foldKx ? ':fold-kx' : ''}${accumulate ? ':accumulate' : ''}`,
      inputs: 2, outputs: 1,
      wgsl: () => shaderSource('conv2d_wgrad', { PARAMS: WGRAD_PARAMS.wgsl, ACCUMULATE: String(accumulate), FOLD_KX: String(foldKx), WG: wg }),
    });
    const xb = bindImages(x, xImg, n0, count);
    const params = WGRAD_PARAMS.pack({
      batch: count, Cg, H: g.H, W: g.W, x_img: xImg, x_offset: xb.offset, Og, Og4, Ho: g.Ho, Wo: g.Wo, g_pixel: g.groups * Og4,
      col_tiles: colTiles, row_tiles: rowTiles, rows, KW: g.kw, stride_y: g.stride[0], stride_x: g.stride[1],
      pad_y: g.padding[0], pad_x: g.padding[1], dil_y: g.dilation[0], dil_x: g.dilation[1], taps,
    });
    const scratchBinding = { buffer: scratch, offset: 0, size: Math.max(16, total * 16) };
    dispatch(k, [xb.binding, scratchBinding, { buffer: dw }], params, [g.groups * colTiles, (foldKx ? g.kh : taps) * rowTiles]);
  }
}
