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
import { dispatch, flush, kernel } from './runtime.js';
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

const isBatched = (strides: readonly number[]) => strides.some((s) => s !== 0);
const texels = (n: number) => Math.ceil(n / 4);

/** The texture sizes [width, height] the product needs: A then B. */
function textureSizes(s: MatmulShape): [[number, number], [number, number]] {
  const batchCount = s.batch.reduce((x, y) => x * y, 1);
  const aCopies = isBatched(s.aBatchStrides) ? batchCount : 1;
  const bCopies = isBatched(s.bBatchStrides) ? batchCount : 1;
  return [[texels(s.K), aCopies * s.M], [texels(s.N), bCopies * 4 * texels(s.K)]];
}

/** Whether launchMatmul should take the texture path for this product. */
export function useMatmulTextures(s: MatmulShape): boolean {
  const mode = matmulTextureMode();
  if (mode === 'never' || s.K === 0) return false;
  const max = gpu().limits.maxTextureDimension2D;
  if (!textureSizes(s).every(([w, h]) => w <= max && h <= max)) return false;
  if (mode === 'always') return true;
  const macs = s.batch.reduce((x, y) => x * y, 1) * s.M * s.N * s.K;
  return macs >= autoMinMacs && mesaPattern.test(gpu().adapterName);
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
  if (held) {
    flush(); // recorded dispatches may still bind the old texture
    held.texture.destroy();
  }
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

/** Frees the operand textures (emptyCache); the next texture product makes new ones. */
export function releaseMatmulTextures(): void {
  const held = Object.values(textures);
  if (held.length === 0) return;
  flush();
  for (const t of held) t.texture.destroy();
  delete textures.a;
  delete textures.b;
}

function pack(view: View, target: GPUTextureView, rows: number, rowsOut: number, cols: number, rowDim: number, colDim: number,
  batch: readonly number[], batchStrides: readonly number[]): void {
  const k = kernel({
    key: 'matmul:pack-texture', inputs: 1, outputs: 0, textures: ['storage-write'],
    wgsl: () => shaderSource('matmul_pack_texture', { PARAMS: MATMUL_PACK_PARAMS.wgsl }),
  });
  const batched = isBatched(batchStrides);
  const shape = (d: number) => (batched ? batch[d] ?? 0 : 0);
  const stride = (d: number) => (batched ? batchStrides[d] ?? 0 : 0);
  const params = MATMUL_PACK_PARAMS.pack({
    rows, rows_out: rowsOut, cols, texels: texels(cols), offset: view.offset,
    row_stride: view.strides[rowDim]!, col_stride: view.strides[colDim]!,
    batch_rank: batched ? batch.length : 0,
    batch_shape0: shape(0), batch_shape1: shape(1), batch_shape2: shape(2), batch_shape3: shape(3),
    batch_stride0: stride(0), batch_stride1: stride(1), batch_stride2: stride(2), batch_stride3: stride(3),
  });
  const copies = batched ? batch.reduce((x, y) => x * y, 1) : 1;
  dispatch(k, [{ buffer: view.buffer }], params, [Math.ceil(texels(cols) / 64), rowsOut, copies], [target]);
}

/** C = A·B through textures; the caller checked useMatmulTextures(s). */
export function launchMatmulTextures(a: View, b: View, out: View, s: MatmulShape): void {
  const [[aw, ah], [bw, bh]] = textureSizes(s);
  const ta = textureFor('a', aw, ah);
  const tb = textureFor('b', bw, bh);
  const ra = a.shape.length;
  const rb = b.shape.length;
  pack(a, ta, s.M, s.M, s.K, ra - 2, ra - 1, s.batch, s.aBatchStrides);
  pack(b, tb, s.K, 4 * texels(s.K), s.N, rb - 2, rb - 1, s.batch, s.bBatchStrides);
  const wg = matmulWorkgroupWidth(s.N, 4 * tile.cols4);
  const k = kernel({
    key: `matmul:texture:${tile.rows}x${4 * tile.cols4}:wg${wg}`, inputs: 0, outputs: 1, textures: ['sampled', 'sampled'],
    wgsl: () => shaderSource('matmul_texture', { PARAMS: MATMUL_TEXTURE_PARAMS.wgsl, WG: wg }),
  });
  const params = MATMUL_TEXTURE_PARAMS.pack({
    M: s.M, N: s.N, N4: texels(s.N), K4: texels(s.K),
    a_batch_rows: isBatched(s.aBatchStrides) ? s.M : 0,
    b_batch_rows: isBatched(s.bBatchStrides) ? 4 * texels(s.K) : 0,
    c_offset: out.offset,
  });
  const batchCount = s.batch.reduce((x, y) => x * y, 1);
  const groupsX = Math.ceil(texels(s.N) / (wg * tile.cols4));
  dispatch(k, [{ buffer: out.buffer }], params, [groupsX, Math.ceil(s.M / tile.rows), batchCount], [ta, tb]);
}
