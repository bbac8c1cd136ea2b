// Timing and reporting shared by every benchmark workload: warm-up, median of repeated
// runs, and the JSON line format `{"name","shape","ms",…,"tfjsMs","ratio","adapter"}`.

export interface BenchResult {
  name: string;
  shape: number[];
  /** Median wall time of one run (dispatch → GPU idle), ms. */
  ms: number;
  /** Median GPU time from timestamp queries, ms, where the adapter has them. */
  gpuMs?: number;
  gflops?: number;
  gbps?: number;
  tfjsMs?: number;
  /** TF.js time / our time: above 1 means we are faster. TF.js waits as it does for its users. */
  ratio?: number;
  /** TF.js waited on with webgrad's non-spinning wait: the kernels alone. */
  tfjsSameWaitMs?: number;
  sameWaitRatio?: number;
  adapter: string;
  [extra: string]: unknown;
}

export interface Workload {
  name: string;
  shape: number[];
  /** Floating-point operations of one run (for GFLOP/s). */
  flops?: number;
  /** Bytes read + written by one run (for GB/s). */
  bytes?: number;
  /** Prepares inputs; returns one run of ours (records GPU work) and a cleanup. */
  ours(): { run: () => void; dispose: () => void };
  /** The same work on TF.js; undefined when TF.js has no such op. */
  tfjs?(): { run: () => void; dispose: () => void };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Median time of `runs` timed calls after `warmup` untimed ones. */
export async function timeRuns(once: () => Promise<number>, warmup: number, runs: number): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await once();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await once());
  return times;
}

export function formatTable(results: BenchResult[]): string {
  const header = ['workload', 'shape', 'ms', 'GFLOP/s', 'GB/s', 'TF.js ms', 'ratio', 'TF.js ms (same wait)', 'ratio (same wait)'];
  const rows = results.map((r) => [
    r.name,
    r.shape.join('x'),
    r.ms.toFixed(2),
    r.gflops?.toFixed(2) ?? '',
    r.gbps?.toFixed(2) ?? '',
    r.tfjsMs?.toFixed(2) ?? '',
    r.ratio !== undefined ? `${r.ratio.toFixed(2)}x` : '',
    r.tfjsSameWaitMs?.toFixed(2) ?? '',
    r.sameWaitRatio !== undefined ? `${r.sameWaitRatio.toFixed(2)}x` : '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
