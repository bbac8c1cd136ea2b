// What the browser bench page and its driver agree on: the jobs, their sizes, a side's plan and
// what the page hands back. Kept apart from page.ts, which starts WebGPU on import and runs only
// in the page.

export type BenchJob = 'matmul' | 'resnet18';
export type BenchSide = 'webgrad' | 'tfjs';

/** matmul n³, and ResNet18 eval forward on a batch of 112² images. */
export const MATMUL_N = 1024;
export const RESNET_BATCH = 16;
export const RESNET_SIZE = 112;

export interface BenchPlan {
  warmup: number;
  runs: number;
  /** Wall time for warm-up and runs together: no run starts that would pass it if it took as long as the one before. */
  capMs: number;
}

export interface BenchTimes {
  warmupMs: number[];
  /** The timed runs, in order. */
  ms: number[];
  /** Runs were cut short by the cap. */
  capped: boolean;
}

export interface BenchPageApi {
  /** webgrad's description of its adapter ("google swiftshader" in headless Chromium here). */
  adapterName: string;
  /** TF.js's adapter (vendor, architecture) or why TF.js's WebGPU backend did not start. */
  tfjs: { adapter: string } | { error: string };
  time(job: BenchJob, side: BenchSide, plan: BenchPlan): Promise<BenchTimes>;
}

declare global {
  interface Window {
    __bench?: BenchPageApi;
    __benchError?: string;
    /** The side being timed so far: the driver reads it when a side runs past its cap. */
    __benchProgress?: BenchTimes;
  }
}
