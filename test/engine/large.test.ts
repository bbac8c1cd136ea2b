import { beforeAll, describe, expect, it } from 'vitest';
import * as wg from '../../engine/index.js';
import { setupGpu } from '../helpers/gpu.js';

beforeAll(setupGpu);

// Host references in f64; tolerance 1e-4 relative as for every reduction.
describe('large reductions (multi-pass kernels)', () => {
  it('sums 4M elements and their rows', async () => {
    wg.manualSeed(3);
    const x = wg.rand([2048, 2048]);
    const host = await x.data();
    let total = 0;
    const rows = new Float64Array(2048);
    for (let i = 0; i < host.length; i++) { total += host[i]!; rows[i >> 11]! += host[i]!; }
    expect(Math.abs((await wg.sum(x).item()) - total) / total).toBeLessThan(1e-4);
    const rowSums = await wg.sum(x, 1).data();
    for (let r = 0; r < 2048; r += 97) expect(Math.abs(rowSums[r]! - rows[r]!) / rows[r]!).toBeLessThan(1e-4);
    const colMeans = await wg.mean(x, 0).data();
    let col7 = 0;
    for (let r = 0; r < 2048; r++) col7 += host[r * 2048 + 7]!;
    expect(Math.abs(colMeans[7]! - col7 / 2048)).toBeLessThan(1e-4);
  });

  it('finds the max and its first index among 3M elements', async () => {
    const n = 3_000_001;
    const x = wg.arange(0, n, 1, { dtype: 'float32' }).sub(1_234_567).abs().neg();
    expect(await wg.argmax(x).item()).toBe(1_234_567);
    const { values, indices } = wg.max(x.reshape(1, n), 1);
    expect(Math.abs(await values.item())).toBe(0);
    expect(await indices.item()).toBe(1_234_567);
    expect(await wg.argmin(wg.zeros([n])).item()).toBe(0);
  });

  it('var/std of 1M elements', async () => {
    wg.manualSeed(5);
    const x = wg.randn([1 << 20], { mean: 3, std: 2 });
    const host = await x.data();
    let m = 0;
    for (const v of host) m += v;
    m /= host.length;
    let ss = 0;
    for (const v of host) ss += (v - m) ** 2;
    const unbiased = ss / (host.length - 1);
    expect(Math.abs((await wg.variance(x).item()) - unbiased) / unbiased).toBeLessThan(1e-4);
    expect(Math.abs((await wg.std(x, 0, { correction: 0 }).item()) - Math.sqrt(ss / host.length))).toBeLessThan(1e-4 * 2);
  });

  it('elementwise ops on views with shapes not multiple of 4', async () => {
    const a = wg.arange(0, 5 * 7 * 3, 1, { dtype: 'float32' }).reshape(5, 7, 3).permute(2, 0, 1);
    const b = wg.arange(0, 7, 1, { dtype: 'float32' });
    const c = await a.add(b).data();
    // c[k,i,j] = (i*21 + j*3 + k) + j
    for (const [k, i, j] of [[0, 0, 0], [2, 4, 6], [1, 3, 5]] as const) {
      expect(c[k * 35 + i * 7 + j]).toBe(i * 21 + j * 3 + k + j);
    }
  });
});
