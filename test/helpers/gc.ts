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

/** memoryStats() once the GPU is idle and unreachable tensors are collected: comparable across a loop. */
export async function settledMemory(): Promise<MemoryStats> {
  await synchronize();
  await collectGarbage();
  return memoryStats();
}
