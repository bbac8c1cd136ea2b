// A real garbage collection from inside a test, followed by a macrotask so that
// FinalizationRegistry callbacks (which free the GPU memory of unreachable tensors) have run.
// Memory tests measure after it, so tensors leaked by earlier tests in the same worker cannot
// be collected between two measurements and make a flat loop look as if it shrank.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { memoryStats, type MemoryStats, synchronize } from '../../engine/index.js';

setFlagsFromString('--expose_gc');
const gc = runInNewContext('gc') as () => void;

export async function collectGarbage(): Promise<void> {
  for (let i = 0; i < 2; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

/**
 * memoryStats() once the GPU is idle and unreachable tensors are collected: comparable across a loop.
 * Collects until two rounds in a row agree: a finalizer may free what holds the next unreachable
 * tensor, and V8 runs FinalizationRegistry callbacks as tasks of its own, which a loaded machine may
 * not reach within one macrotask (CI once saw 10 tensors of an earlier test freed only later).
 */
export async function settledMemory(): Promise<MemoryStats> {
  await synchronize();
  await collectGarbage();
  let stats = memoryStats();
  for (let round = 0; round < 10; round++) {
    await collectGarbage();
    await new Promise((resolve) => setTimeout(resolve, 5));
    const next = memoryStats();
    if (next.liveTensors === stats.liveTensors && next.liveBytes === stats.liveBytes) return next;
    stats = next;
  }
  return stats;
}
