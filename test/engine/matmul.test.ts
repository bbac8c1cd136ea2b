// matmul against a float64 CPU reference: every operand orientation (transposed views are
// read in place), shapes off the kernels' tiles, vec4 and strided paths, broadcast batch
// dims, offset views, and the backward products — once on the buffer kernels and once with
// every product forced through textures (matmul-texture.ts), which lavapipe takes from 128³ on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as wg from '../../engine/index.js';
import { matmulTextureMode, setMatmulTextures, useMatmulTextures } from '../../engine/kernels/matmul-texture.js';
import { setupGpu } from '../helpers/gpu.js';

beforeAll(setupGpu);

let seed = 12345;
function random(): number {
  seed = (seed * 1103515245 + 12345) >>> 0;
  return Math.fround((seed / 2 ** 32) * 2 - 1);
}

const numel = (shape: readonly number[]) => shape.reduce((x, y) => x * y, 1);

/** Host values (row-major, logical shape) and a GPU tensor with the same values laid out as `layout`. */
interface Operand { host: Float64Array; shape: number[]; t: wg.Tensor }
type Layout = 'contiguous' | 'transposed' | 'offset';

function operand(shape: number[], layout: Layout): Operand {
  const host = Float64Array.from({ length: numel(shape) }, random);
  const rank = shape.length;
  const [R, C] = [shape[rank - 2]!, shape[rank - 1]!];
  const batch = shape.slice(0, -2);
  const nb = numel(batch);
  if (layout === 'contiguous') return { host, shape, t: wg.tensor(Float32Array.from(host), { shape }) };
  if (layout === 'transposed') {
    const stored = new Float32Array(host.length);
    for (let b = 0; b < nb; b++) for (let i = 0; i < R; i++) for (let j = 0; j < C; j++) stored[b * R * C + j * R + i] = host[b * R * C + i * C + j]!;
    const base = wg.tensor(stored, { shape: [...batch, C, R] });
    return { host, shape, t: base.transpose(-1, -2) };
  }
  // A window into a bigger matrix: one row and three columns in, so the offset is not a
  // multiple of 4 and the row stride is not the row length.
  const [R2, C2] = [R + 2, C + 5];
  const stored = new Float32Array(nb * R2 * C2).fill(Number.NaN);
  for (let b = 0; b < nb; b++) for (let i = 0; i < R; i++) for (let j = 0; j < C; j++) stored[b * R2 * C2 + (i + 1) * C2 + j + 3] = host[b * R * C + i * C + j]!;
  const base = wg.tensor(stored, { shape: [...batch, R2, C2] });
  return { host, shape, t: base.narrow(-2, 1, R).narrow(-1, 3, C) };
}

/** float64 batched matmul with broadcast batch dims. */
function reference(a: Operand, b: Operand): { shape: number[]; values: Float64Array } {
  const [M, K] = a.shape.slice(-2) as [number, number];
  const N = b.shape.at(-1)!;
  const ab = a.shape.slice(0, -2);
  const bb = b.shape.slice(0, -2);
  const rank = Math.max(ab.length, bb.length);
  const pad = (s: number[]) => [...Array<number>(rank - s.length).fill(1), ...s];
  const [pa, pb] = [pad(ab), pad(bb)];
  const batch = pa.map((d, i) => Math.max(d, pb[i]!));
  const values = new Float64Array(numel(batch) * M * N);
  for (let z = 0; z < numel(batch); z++) {
    let [ia, ib, rem] = [0, 0, z];
    let [sa, sb] = [1, 1];
    for (let d = rank - 1; d >= 0; d--) {
      const c = rem % batch[d]!;
      rem = Math.floor(rem / batch[d]!);
      ia += (pa[d] === 1 ? 0 : c) * sa;
      ib += (pb[d] === 1 ? 0 : c) * sb;
      sa *= pa[d]!;
      sb *= pb[d]!;
    }
    for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += a.host[ia * M * K + i * K + k]! * b.host[ib * K * N + k * N + j]!;
      values[z * M * N + i * N + j] = s;
    }
  }
  return { shape: [...batch, M, N], values };
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, K: number, what: string): void {
  expect(actual.length, what).toBe(expected.length);
  const atol = 1e-4 * Math.sqrt(Math.max(K, 1));
  for (let i = 0; i < expected.length; i++) {
    const [x, y] = [actual[i]!, expected[i]!];
    if (!(Math.abs(x - y) <= atol + 1e-4 * Math.abs(y))) {
      expect.fail(`${what}: element ${i} is ${x}, expected ${y} (atol ${atol.toExponential(1)}, rtol 1e-4)`);
    }
  }
}

async function check(aShape: number[], bShape: number[], la: Layout, lb: Layout): Promise<void> {
  const a = operand(aShape, la);
  const b = operand(bShape, lb);
  const out = wg.matmul(a.t, b.t);
  const ref = reference(a, b);
  const what = `[${aShape}] (${la}) x [${bShape}] (${lb})`;
  expect(out.shape, what).toEqual(ref.shape);
  expectClose(await out.data(), ref.values, aShape.at(-1)!, what);
}

const orientations: Array<[Layout, Layout]> = [
  ['contiguous', 'contiguous'], ['transposed', 'contiguous'], ['contiguous', 'transposed'], ['transposed', 'transposed'],
];

describe('matmul operand path', () => {
  const shape = (M: number, N: number, K: number, batch: number[] = []) => ({
    M, N, K, batch, aBatchStrides: batch.map(() => M * K), bBatchStrides: batch.map(() => 0),
  });
  afterAll(() => setMatmulTextures());

  it('auto: textures on lavapipe from 128³ multiply-adds (batches count), buffers below and elsewhere', () => {
    setMatmulTextures('auto');
    const mesa = /llvmpipe|lavapipe/i.test(wg.gpu().adapterName);
    expect(useMatmulTextures(shape(128, 128, 128))).toBe(mesa);
    expect(useMatmulTextures(shape(64, 64, 64, [8]))).toBe(mesa);
    expect(useMatmulTextures(shape(127, 128, 128))).toBe(false);
    expect(useMatmulTextures(shape(64, 64, 64, [7]))).toBe(false);
  });

  it('always: textures whenever they fit the 2-D size limit, never for K = 0; never: buffers', () => {
    const max = wg.gpu().limits.maxTextureDimension2D;
    setMatmulTextures('always');
    expect(useMatmulTextures(shape(2, 4, 4))).toBe(true);
    expect(useMatmulTextures(shape(2, 4, 0))).toBe(false);
    expect(useMatmulTextures(shape(max + 1, 4, 4))).toBe(false); // A's rows
    expect(useMatmulTextures(shape(4, 4 * max + 4, 4))).toBe(false); // B's texels along N
    expect(useMatmulTextures(shape(4, 4, 4 * max))).toBe(false); // B's rows (K)
    expect(useMatmulTextures(shape(8, 4, 4, [max / 4]))).toBe(false); // A's rows over the batch
    setMatmulTextures('never');
    expect(useMatmulTextures(shape(1024, 1024, 1024))).toBe(false);
    expect(() => setMatmulTextures('sometimes' as never)).toThrow(/always, never|auto, always, never/);
  });
});

for (const mode of ['never', 'always'] as const) describe(`matmul (textures: ${mode})`, () => {
  beforeAll(() => setMatmulTextures(mode));
  afterAll(() => setMatmulTextures());

  it('takes the path under test', () => {
    expect(matmulTextureMode()).toBe(mode);
  });

  // [M, N, K]: tile multiples, vec4-readable shapes off the tile, and shapes only the
  // strided kernel can read (K or N not a multiple of 4, M odd with A transposed).
  const shapes: Array<[number, number, number]> = [
    [12, 16, 8], [32, 64, 16], [36, 20, 24], [33, 68, 20], [13, 4, 4], [4, 132, 12],
    [33, 65, 17], [1, 1, 1], [5, 7, 3], [8, 12, 1], [1, 16, 32], [16, 1, 32], [1, 1, 64], [7, 5, 64],
  ];
  for (const [la, lb] of orientations) {
    it(`matches the reference, A ${la} and B ${lb}`, async () => {
      for (const [M, N, K] of shapes) await check([M, K], [K, N], la, lb);
    });
  }

  it('reads offset views (offset not a multiple of 4, row stride not the row length) in place', async () => {
    for (const [M, N, K] of [[12, 16, 8], [33, 68, 20], [5, 7, 3], [1, 8, 4]] as const) {
      await check([M, K], [K, N], 'offset', 'contiguous');
      await check([M, K], [K, N], 'contiguous', 'offset');
      await check([M, K], [K, N], 'offset', 'transposed');
    }
  });

  it('broadcasts batch dims', async () => {
    for (const [la, lb] of orientations) await check([2, 1, 4, 8], [3, 8, 12], la, lb);
    await check([2, 1, 5, 7], [3, 7, 3], 'contiguous', 'transposed');
    await check([3, 24, 16], [16, 8], 'contiguous', 'contiguous');
    await check([6, 16], [2, 3, 16, 40], 'transposed', 'contiguous');
    await check([4, 12, 20], [4, 20, 36], 'offset', 'offset');
  });

  it('multiplies 256x256x256 in every orientation', async () => {
    for (const [la, lb] of orientations) await check([256, 256], [256, 256], la, lb);
  });

  it('handles vector operands like torch.matmul', async () => {
    const v = operand([1, 8], 'contiguous');
    const m = operand([8, 12], 'transposed');
    const vm = wg.matmul(v.t.reshape([8]), m.t);
    expect(vm.shape).toEqual([12]);
    expectClose(await vm.data(), reference(v, m).values, 8, 'vector x matrix');
    const mv = wg.matmul(m.t.transpose(0, 1), v.t.reshape([8]));
    expect(mv.shape).toEqual([12]);
    expectClose(await mv.data(), reference(v, m).values, 8, 'matrix x vector');
    const dot = wg.matmul(v.t.reshape([8]), v.t.reshape([8]));
    expect(dot.shape).toEqual([]);
    expectClose(await dot.data(), [v.host.reduce((s, x) => s + x * x, 0)], 8, 'dot');
  });

  it('backward gives dA = g·Bᵀ and dB = Aᵀ·g, summed over broadcast batch dims', async () => {
    for (const [aShape, bShape] of [[[2, 20, 16], [16, 24]], [[3, 33, 7], [3, 7, 5]]] as const) {
      const a = operand([...aShape], 'contiguous');
      const b = operand([...bShape], 'contiguous');
      const x = a.t.detach().requiresGrad_(true);
      const y = b.t.detach().requiresGrad_(true);
      const out = wg.matmul(x, y);
      const g = operand([...out.shape], 'contiguous');
      out.backward(g.t);
      // dA = g·Bᵀ, dB = Aᵀ·g: reference via explicit host transposes.
      const [M, K] = aShape.slice(-2) as [number, number];
      const N = bShape.at(-1)!;
      const nb = numel(out.shape.slice(0, -2));
      const ga = new Float64Array(a.host.length);
      const gb = new Float64Array(b.host.length);
      const aPer = numel(aShape.slice(0, -2)) === 1 ? 0 : M * K;
      const bPer = numel(bShape.slice(0, -2)) === 1 ? 0 : K * N;
      for (let z = 0; z < nb; z++) for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
        const gv = g.host[z * M * N + i * N + j]!;
        for (let k = 0; k < K; k++) {
          ga[z * aPer + i * K + k] += gv * b.host[z * bPer + k * N + j]!;
          gb[z * bPer + k * N + j] += gv * a.host[z * aPer + i * K + k]!;
        }
      }
      expectClose(await x.grad!.data(), ga, N, `dA for [${aShape}] x [${bShape}]`);
      expectClose(await y.grad!.data(), gb, M * nb, `dB for [${aShape}] x [${bShape}]`);
    }
  });

  it('explains mismatched shapes', () => {
    expect(() => wg.matmul(wg.zeros([2, 3]), wg.zeros([4, 5]))).toThrow(/cannot be multiplied/);
  });
});
