// GPU memory follows references even when a program forgets tidy(): issue 10's loop (two
// 1 MiB temporaries and an op per step, never disposed) grew to 3.5 GB by step 2,500.
// The budget's collections bound it; without them (budget off) it grows.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as wg from '../../engine/index.js';
import { parseMemoryBudget } from '../../engine/tensor/memory.js';
import { collectGarbage } from '../helpers/gc.js';
import { setupGpu } from '../helpers/gpu.js';

const MiB = 2 ** 20;
const n = 262144; // 1 MiB of float32

/** One step of the loop: nothing is disposed. (full() rather than randn(): the same memory, a third of the time on lavapipe.) */
function leakyStep(step: number): void {
  const a = wg.full([n], step);
  const b = wg.full([n], 2);
  a.mul(b);
}

describe('memory budget', () => {
  beforeAll(setupGpu);
  afterAll(() => wg.setMemoryBudget(undefined));

  it('a loop that frees its tensors with tidy() never pays for a collection', async () => {
    const before = wg.memoryStats();
    for (let step = 1; step <= 300; step++) {
      wg.tidy(() => leakyStep(step));
      if (step % 10 === 0) await wg.synchronize();
    }
    const after = wg.memoryStats();
    expect(after.collections).toBe(before.collections);
    expect(after.allocatedBytes - before.allocatedBytes).toBeLessThanOrEqual(3 * MiB);
  });

  it('with the budget off, the forgotten tensors pile up (the issue)', async () => {
    wg.setMemoryBudget(Infinity);
    const before = wg.memoryStats();
    for (let step = 1; step <= 100; step++) {
      leakyStep(step);
      if (step % 10 === 0) await wg.synchronize();
    }
    const after = wg.memoryStats();
    expect(after.collections).toBe(before.collections);
    // 300 MiB were created; V8 alone collects almost none of it (its heap grew by kilobytes).
    expect(after.allocatedBytes - before.allocatedBytes).toBeGreaterThan(200 * MiB);
    await collectGarbage();
    wg.emptyCache();
    expect(wg.memoryStats().allocatedBytes).toBeLessThan(8 * MiB);
  });

  it("keeps the issue's 2,500-step loop under 128 MiB, reclaiming through the safety net", async () => {
    // A stated budget, so the bound does not depend on the default (the device's) or on
    // how busy the machine is (pacing widens the step up to budget/4 when GCs are slow).
    wg.setMemoryBudget(256 * MiB);
    const before = wg.memoryStats();
    let peak = 0;
    const at: Record<number, number> = {};
    for (let step = 1; step <= 2500; step++) {
      leakyStep(step);
      if (step % 10 === 0) await wg.synchronize();
      peak = Math.max(peak, wg.memoryStats().allocatedBytes);
      if (step === 100 || step === 750 || step === 2500) at[step] = wg.memoryStats().allocatedBytes / MiB;
    }
    const after = wg.memoryStats();
    console.log(`allocated MiB at steps 100/750/2500: ${at[100]}/${at[750]}/${at[2500]}, peak ${peak / MiB}, ` +
      `${after.collections - before.collections} collections, ${after.reclaimedTensors - before.reclaimedTensors} tensors reclaimed`);
    expect(peak).toBeLessThan(128 * MiB);
    expect(after.collections - before.collections).toBeGreaterThan(0);
    // Nearly all of the 7,500 tensors (7.3 GiB) came back through the safety net.
    expect(after.reclaimedTensors - before.reclaimedTensors).toBeGreaterThan(7000);
    expect(after.reclaimedBytes - before.reclaimedBytes).toBeGreaterThan(7000 * MiB);
  });

  it('emptyCache() gives every pooled buffer back to the device', async () => {
    await collectGarbage();
    const before = wg.memoryStats();
    expect(before.poolBytes).toBeGreaterThan(8 * MiB);
    wg.emptyCache();
    const after = wg.memoryStats();
    expect(after.poolBytes).toBe(0);
    expect(after.allocatedBytes).toBe(before.allocatedBytes - before.poolBytes);
    expect(after.poolTrimmedBytes - before.poolTrimmedBytes).toBe(before.poolBytes);
  });

  it('past the budget the pool destroys its largest buffers first', () => {
    wg.setMemoryBudget(Infinity);
    wg.emptyCache();
    const base = wg.memoryStats();
    const big = wg.Tensor.empty([4 * n]); // 4 MiB
    const small = [wg.Tensor.empty([n]), wg.Tensor.empty([n])];
    big.dispose();
    for (const t of small) t.dispose();
    expect(wg.memoryStats().poolBytes).toBe(6 * MiB);
    wg.setMemoryBudget(base.allocatedBytes + 3 * MiB);
    const after = wg.memoryStats();
    expect(after.poolBytes).toBe(2 * MiB);
    expect(after.poolTrimmedBytes - base.poolTrimmedBytes).toBe(4 * MiB);
    expect(after.allocatedBytes).toBeLessThanOrEqual(after.budgetBytes);
  });

  it('a loop that never awaits gets one warning, and its memory back at its next await', async () => {
    wg.emptyCache();
    const budget = 64 * MiB;
    wg.setMemoryBudget(budget);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      for (let step = 1; step <= 40; step++) leakyStep(step);
      expect(wg.memoryStats().allocatedBytes).toBeGreaterThan(budget);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]![0])).toMatch(/MB of GPU memory allocated.*live tensors.*over the memory budget of 64 MB.*tidy\(\), dispose\(\) or `using`/s);
      // Once it yields: a catch-up collection, its finalizers, and the pool trimming itself
      // back under the budget, each a task later.
      await wg.synchronize();
      for (let i = 0; i < 10 && wg.memoryStats().allocatedBytes > budget; i++) await new Promise((resolve) => setTimeout(resolve, 1));
      expect(wg.memoryStats().allocatedBytes).toBeLessThanOrEqual(budget);
      expect(warn).toHaveBeenCalledTimes(1);
    } finally {
      warn.mockRestore();
    }
  });

  it('is configured by init({ memoryBudget }), setMemoryBudget() and WEBGRAD_MEMORY_BUDGET', async () => {
    await wg.init({ memoryBudget: 300 * MiB });
    expect(wg.memoryBudget()).toBe(300 * MiB);
    wg.setMemoryBudget(undefined);
    expect(wg.memoryBudget()).toBe(Math.max(wg.gpu().limits.maxBufferSize, 2 ** 30));
    process.env.WEBGRAD_MEMORY_BUDGET = '512MiB';
    try {
      wg.setMemoryBudget(undefined);
      expect(wg.memoryBudget()).toBe(512 * MiB);
    } finally {
      delete process.env.WEBGRAD_MEMORY_BUDGET;
      wg.setMemoryBudget(undefined);
    }
    expect(parseMemoryBudget('1073741824')).toBe(2 ** 30);
    expect(parseMemoryBudget('2GB')).toBe(2e9);
    expect(parseMemoryBudget('1.5 GiB')).toBe(1.5 * 2 ** 30);
    expect(parseMemoryBudget('off')).toBe(Infinity);
    expect(() => parseMemoryBudget('lots')).toThrow(/WEBGRAD_MEMORY_BUDGET='lots' is not a size; use bytes/);
    expect(() => wg.setMemoryBudget(-1)).toThrow(/setMemoryBudget: expected a number of bytes/);
  });
});
