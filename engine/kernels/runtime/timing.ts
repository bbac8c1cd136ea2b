// Where GPU time goes: gpuTimeMs() times a stretch of dispatches with timestamp queries (the
// benchmarks' `gpuMs`), and kernelTimings() sums the per-dispatch times the debug path
// (WEBGRAD_DEBUG=1, dispatch.ts) records, by kernel key.

import { gpu } from '../../device/device.js';
import { batchEncoder, flush, startTimestamps, stopTimestamps } from './encoder.js';
import { download, synchronize } from './transfer.js';

const timings = new Map<string, { count: number; ms: number }>();

/** Adds one dispatch of kernel `key` that took `ms`. */
export function recordKernelTime(key: string, ms: number): void {
  const entry = timings.get(key) ?? { count: 0, ms: 0 };
  entry.count++;
  entry.ms += ms;
  timings.set(key, entry);
}

/** Per-kernel dispatch counts and wall time, collected when WEBGRAD_DEBUG=1. */
export function kernelTimings(): Array<{ key: string; count: number; ms: number }> {
  return [...timings].map(([key, t]) => ({ key, ...t })).sort((a, b) => b.ms - a.ms);
}

/**
 * GPU time in milliseconds of the dispatches `record` issues, from timestamp queries, or
 * undefined where the adapter has none. Used by the benchmarks.
 */
export async function gpuTimeMs(record: () => void): Promise<number | undefined> {
  const ctx = gpu();
  if (!ctx.hasTimestamps) {
    record();
    await synchronize();
    return undefined;
  }
  flush();
  const { device } = ctx;
  const querySet = device.createQuerySet({ type: 'timestamp', count: 2 });
  const resolved = device.createBuffer({ size: 16, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
  startTimestamps(querySet);
  let begun = false;
  try {
    record();
  } finally {
    begun = stopTimestamps();
  }
  if (!begun) return 0;
  batchEncoder(device).resolveQuerySet(querySet, 0, 2, resolved, 0);
  const bytes = await download(resolved, 0, 16);
  const [start, end] = new BigUint64Array(bytes);
  querySet.destroy();
  resolved.destroy();
  return Number(end! - start!) / 1e6;
}
