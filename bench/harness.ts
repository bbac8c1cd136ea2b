// Timing and reporting shared by every benchmark workload: warm-up, median of repeated
// runs, and the JSON line format `{"name","shape","ms",…,"tfjsMs","ratio","adapter"}`.
// The model workloads add a throughput (`framesPerSec`, `clipsPerSec`), PyTorch CPU's time
// (`torchMs`, `torchRatio`) and why a comparison is missing (`tfjsSkipped`, `torchSkipped`);
// the table grows a column for each only when some row has it. A row may carry a `note` (printed
// under the table) and `overCap` / `tfjsOverCap` (a side that ran past its time cap shows "> cap").

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
  /** PyTorch CPU's median time on this machine (bench/pytorch_models.py), ms. */
  torchMs?: number;
  /** torchMs / our time: above 1 means we are faster. */
  torchRatio?: number;
  /** Why there is no TF.js (or PyTorch) time on this line. */
  tfjsSkipped?: string;
  torchSkipped?: string;
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
  /** Heavy workloads run fewer times than the command line asks (untimed, timed, GPU-timestamp runs). */
  warmup?: number;
  runs?: number;
  gpuRuns?: number;
  /** Items one run processes: the line gets `field` = count per second (e.g. framesPerSec). */
  throughput?: { field: string; count: number };
  /** The workload's key in bench/pytorch_models.py, timed on PyTorch CPU in the same bench run. */
  torch?: string;
  /** More PyTorch variants for the line: field name (`torchPerClipMs`) → key in pytorch_models.py. */
  torchVariants?: Record<string, string>;
  /** Why there is no TF.js row (printed and put in the JSON line). */
  tfjsSkipped?: string;
  /**
   * Prepares inputs; returns one run of ours (records GPU work), a cleanup, and optionally
   * extra fields for the JSON line, read after the timed runs (e.g. peak memory).
   */
  /** modules: the model's named modules, for --profile's per-layer report. */
  ours(): { run: () => void; dispose: () => void; fields?: () => Record<string, unknown>; modules?: () => Iterable<[string, object]> };
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

const optionalColumns: Array<{ header: string; cell: (r: BenchResult) => string | undefined }> = [
  { header: 'of limit', cell: (r) => (typeof r.ofComputeLimit === 'number' ? `${(100 * r.ofComputeLimit).toFixed(0)}% FMA` : typeof r.ofMemoryLimit === 'number' ? `${(100 * r.ofMemoryLimit).toFixed(0)}% mem` : undefined) },
  { header: 'per s', cell: (r) => perSecond(r) },
  { header: 'peak GPU MB', cell: (r) => (typeof r.peakAllocatedBytes === 'number' ? (r.peakAllocatedBytes / 2 ** 20).toFixed(0) : undefined) },
  { header: 'torch CPU ms', cell: (r) => r.torchMs?.toFixed(2) ?? (r.torchSkipped ? 'skipped' : undefined) },
  { header: 'torch ratio', cell: (r) => (r.torchRatio !== undefined ? `${r.torchRatio.toFixed(2)}x` : undefined) },
];

/** The first `…PerSec` field as "12.3 frames/s". */
function perSecond(r: BenchResult): string | undefined {
  const key = Object.keys(r).find((k) => k.endsWith('PerSec') && typeof r[k] === 'number');
  if (!key) return undefined;
  const v = r[key] as number;
  return `${v.toFixed(v < 10 ? 2 : 1)} ${key.slice(0, -'PerSec'.length)}/s`;
}

export function formatTable(results: BenchResult[]): string {
  const extra = optionalColumns.filter((c) => results.some((r) => c.cell(r) !== undefined));
  const header = ['workload', 'shape', 'ms', 'GFLOP/s', 'GB/s', 'TF.js ms', 'ratio', 'TF.js ms (same wait)', 'ratio (same wait)', ...extra.map((c) => c.header)];
  const rows = results.map((r) => [
    r.name,
    r.shape.join('x'),
    r.overCap === true ? '> cap' : r.ms.toFixed(2),
    r.gflops?.toFixed(2) ?? '',
    r.gbps?.toFixed(2) ?? '',
    r.tfjsMs?.toFixed(2) ?? (r.tfjsOverCap === true ? '> cap' : r.tfjsSkipped ? 'skipped' : ''),
    r.ratio !== undefined ? `${r.ratio.toFixed(2)}x` : '',
    r.tfjsSameWaitMs?.toFixed(2) ?? '',
    r.sameWaitRatio !== undefined ? `${r.sameWaitRatio.toFixed(2)}x` : '',
    ...extra.map((c) => c.cell(r) ?? ''),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const notes = results.flatMap((r) => [
    ...(typeof r.note === 'string' ? [`  ${r.name}: ${r.note}`] : []),
    ...(r.tfjsSkipped ? [`  ${r.name}: no TF.js: ${r.tfjsSkipped}`] : []),
    ...(r.torchSkipped ? [`  ${r.name}: no PyTorch: ${r.torchSkipped}`] : []),
    ...(typeof r.torchPerClipMs === 'number' ? [`  ${r.name}: PyTorch CPU with our per-clip forward (all frames as one CNN batch) ${r.torchPerClipMs.toFixed(2)} ms, ${(r.torchPerClipMs / r.ms).toFixed(2)}x`] : []),
    ...(typeof r.peakLiveBytes === 'number' ? [`  ${r.name}: peak GPU memory ${mb(r.peakAllocatedBytes)} MB held from the device (live + pool), ${mb(r.peakLiveBytes)} MB live at once`] : []),
  ]);
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line), ...(notes.length ? ['', ...notes] : [])].join('\n');
}

const mb = (bytes: unknown) => (typeof bytes === 'number' ? (bytes / 2 ** 20).toFixed(0) : '?');
