// matmul through textures (shaders/matmul_pack_texture.wgsl + matmul_texture.wgsl): each operand
// is copied into an rgba32float texture, then the product reads both with textureLoad. On lavapipe
// that is ~2x the storage-buffer kernel (matmul_texture.wgsl's header says why); on GPUs the buffer
// kernel reads coalesced vec4s already, so the copy would only cost, and SwiftShader (Chrome's
// software adapter) compiles loads its own way and has not been timed with it.
//
// Which path a product takes: 'auto' (default) = textures on Mesa's lavapipe/llvmpipe for products
// of at least 128³ multiply-adds whose textures fit the adapter's 2-D size limit; 'always' =
// textures whenever they fit (tests force it on small shapes); 'never' = the buffer kernels.
//   setMatmulTextures('always' | 'never' | 'auto')   or   WEBGRAD_MATMUL_TEXTURES=always|never|auto
//   (Node env, or a global of that name in browsers)

import { gpu } from '../device/device.js';
import { defineParams } from './params.js';
import { clearBindGroupCache, dispatch, flush, kernel } from './runtime.js';
import { shaderSource } from './shader-source.js';
import { matmulWorkgroupWidth } from './tuning.js';
import type { MatmulShape } from './matmul.js';
import type { View } from './view.js';

export type MatmulTextureMode = 'auto' | 'always' | 'never';

/** Products smaller than this (multiply-adds, all batches) stay on the buffer kernel in 'auto'. */
const autoMinMacs = 128 ** 3;
// Must match TM and TN4 in matmul_texture.wgsl.
const tile = { rows: 12, cols4: 3 };

const modes: readonly MatmulTextureMode[] = ['auto', 'always', 'never'];
// Where 'auto' takes textures: Mesa's software rasterizer, as Dawn names it ("mesa software llvmpipe-…").
const mesaPattern = /llvmpipe|lavapipe/i;

function readMode(text: string | undefined, from: string): MatmulTextureMode | undefined {
  if (text === undefined || text === '') return undefined;
  if (!modes.includes(text as MatmulTextureMode)) throw new Error(`${from}: expected one of ${modes.join(', ')}, got '${text}'`);
  return text as MatmulTextureMode;
}

const fromGlobal = (globalThis as Record<string, unknown>).WEBGRAD_MATMUL_TEXTURES;
const envMode = readMode((globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.WEBGRAD_MATMUL_TEXTURES
  ?? (typeof fromGlobal === 'string' ? fromGlobal : undefined), 'WEBGRAD_MATMUL_TEXTURES');
let forced: MatmulTextureMode | undefined;

/** Forces matmul's operand path (tests, measurements); called with nothing, back to WEBGRAD_MATMUL_TEXTURES or 'auto'. */
export function setMatmulTextures(mode?: MatmulTextureMode): void {
  forced = readMode(mode, 'setMatmulTextures');
}

export function matmulTextureMode(): MatmulTextureMode {
  return forced ?? envMode ?? 'auto';
}

const texels = (n: number) => Math.ceil(n / 4);

/**
 * How one operand lies in its texture: `rows` rows of `cols` elements per batch matrix, stored as
 * `rowsOut` texture rows (the rest zeros) of texels(cols) texels, `copies` matrices stacked — the
 * whole batch when the operand has batch strides, else one matrix shared by every product.
 */
interface Packing {
  rows: number;
  rowsOut: number;
  cols: number;
  batched: boolean;
  copies: number;
  batchStrides: readonly number[];
  width: number;
  height: number;
}

function packing(rows: number, rowsOut: number, cols: number, batchStrides: readonly number[], batchCount: number): Packing {
  const batched = batchStrides.some((v) => v !== 0);
  const copies = batched ? batchCount : 1;
  return { rows, rowsOut, cols, batched, copies, batchStrides, width: texels(cols), height: copies * rowsOut };
}

/** A's texture (rows along M, K along a row) and B's (rows along K, padded to 4, N along a row). */
function packings(s: MatmulShape): { a: Packing; b: Packing; batchCount: number } {
  const batchCount = s.batch.reduce((x, y) => x * y, 1);
  return {
    a: packing(s.M, s.M, s.K, s.aBatchStrides, batchCount),
    b: packing(s.K, 4 * texels(s.K), s.N, s.bBatchStrides, batchCount),
    batchCount,
  };
}

/** Whether launchMatmul should take the texture path for this product. */
export function useMatmulTextures(s: MatmulShape): boolean {
  const mode = matmulTextureMode();
  if (mode === 'never' || s.K === 0) return false;
  const max = gpu().limits.maxTextureDimension2D;
  const { a, b, batchCount } = packings(s);
  if (![a, b].every((p) => p.width <= max && p.height <= max)) return false;
  if (mode === 'always') return true;
  return batchCount * s.M * s.N * s.K >= autoMinMacs && mesaPattern.test(gpu().adapterName);
}

const MATMUL_PACK_PARAMS = defineParams('matmul_pack_texture', {
  rows: 'u32', // rows of the operand (A: M, B: K)
  rows_out: 'u32', // rows per batch matrix in the texture (B: K rounded up to 4; the rest zeros)
  cols: 'u32', // elements along a row (A: K, B: N)
  texels: 'u32', // ceil(cols / 4)
  offset: 'u32',
  row_stride: 'u32',
  col_stride: 'u32',
  batch_rank: 'u32',
  batch_shape0: 'u32', batch_shape1: 'u32', batch_shape2: 'u32', batch_shape3: 'u32',
  batch_stride0: 'u32', batch_stride1: 'u32', batch_stride2: 'u32', batch_stride3: 'u32',
});

const MATMUL_TEXTURE_PARAMS = defineParams('matmul_texture', {
  M: 'u32',
  N: 'u32',
  N4: 'u32',
  K4: 'u32',
  a_batch_rows: 'u32', // texture rows between batch matrices of A (0: one A for every batch)
  b_batch_rows: 'u32',
  c_offset: 'u32',
});

// One texture per operand role, grown as needed and reused by every product: dispatches on one
// queue run in order, so the next product's pack waits for this product's reads.
const textures: Partial<Record<'a' | 'b', { texture: GPUTexture; view: GPUTextureView; width: number; height: number }>> = {};

function textureFor(role: 'a' | 'b', width: number, height: number): GPUTextureView {
  const held = textures[role];
  if (held && held.width >= width && held.height >= height) return held.view;
  retire(role);
  const size = { width: Math.max(width, held?.width ?? 0), height: Math.max(height, held?.height ?? 0) };
  const texture = gpu().device.createTexture({
    label: `webgrad matmul ${role.toUpperCase()}`,
    size: [size.width, size.height],
    format: 'rgba32float',
    usage: GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.STORAGE_BINDING,
  });
  textures[role] = { texture, view: texture.createView(), ...size };
  return textures[role]!.view;
}

/** Destroys a role's texture: after flushing, as recorded dispatches may still bind it, and with the bind groups that name it. */
function retire(role: 'a' | 'b'): void {
  const held = textures[role];
  if (!held) return;
  flush();
  held.texture.destroy();
  delete textures[role];
  clearBindGroupCache();
}

/** Frees the operand textures (emptyCache); the next texture product makes new ones. */
export function releaseMatmulTextures(): void {
  retire('a');
  retire('b');
}

function pack(view: View, target: GPUTextureView, p: Packing, batch: readonly number[]): void {
  const k = kernel({
    key: 'matmul:pack-texture', inputs: 1, outputs: 0, textures: ['storage-write'],
    wgsl: () => shaderSource('matmul_pack_texture', { PARAMS: MATMUL_PACK_PARAMS.wgsl }),
  });
  const shape = (d: number) => (p.batched ? batch[d] ?? 0 : 0);
  const stride = (d: number) => (p.batched ? p.batchStrides[d] ?? 0 : 0);
  const r = view.shape.length;
  const params = MATMUL_PACK_PARAMS.pack({
    rows: p.rows, rows_out: p.rowsOut, cols: p.cols, texels: p.width, offset: view.offset,
    row_stride: view.strides[r - 2]!, col_stride: view.strides[r - 1]!,
    batch_rank: p.batched ? batch.length : 0,
    batch_shape0: shape(0), batch_shape1: shape(1), batch_shape2: shape(2), batch_shape3: shape(3),
    batch_stride0: stride(0), batch_stride1: stride(1), batch_stride2: stride(2), batch_stride3: stride(3),
  });
  dispatch(k, [{ buffer: view.buffer }], params, [Math.ceil(p.width / 64), p.rowsOut, p.copies], [target]);
}

/** C = A·B through textures; the caller checked useMatmulTextures(s). */
export function launchMatmulTextures(a: View, b: View, out: View, s: MatmulShape): void {
  const { a: pa, b: pb, batchCount } = packings(s);
  const ta = textureFor('a', pa.width, pa.height);
  const tb = textureFor('b', pb.width, pb.height);
  pack(a, ta, pa, s.batch);
  pack(b, tb, pb, s.batch);
  const wg = matmulWorkgroupWidth(s.N, 4 * tile.cols4);
  const k = kernel({
    key: `matmul:texture:${tile.rows}x${4 * tile.cols4}:wg${wg}`, inputs: 0, outputs: 1, textures: ['sampled', 'sampled'],
    wgsl: () => shaderSource('matmul_texture', { PARAMS: MATMUL_TEXTURE_PARAMS.wgsl, WG: wg }),
  });
  const params = MATMUL_TEXTURE_PARAMS.pack({
    M: s.M, N: s.N, N4: pb.width, K4: pa.width,
    a_batch_rows: pa.batched ? pa.rowsOut : 0,
    b_batch_rows: pb.batched ? pb.rowsOut : 0,
    c_offset: out.offset,
  });
  const groupsX = Math.ceil(pb.width / (wg * tile.cols4));
  dispatch(k, [{ buffer: out.buffer }], params, [groupsX, Math.ceil(s.M / tile.rows), batchCount], [ta, tb]);
}
