// The browser bench line (`npm run bench -- --filter browser`): matmul 1024³ and ResNet18 eval
// forward [16,3,112,112], webgrad beside TF.js WebGPU in one page of headless Chromium (on this
// machine its only WebGPU adapter is SwiftShader), rows in the bench's BenchResult format.
//
// SwiftShader is slow. Measured on the 2-core machine with other jobs running (load average 5.5-9.4):
// matmul 1024³ 6.3 s (webgrad) and 7.3 s (TF.js) a run; ResNet18 forward at batch 16 59-86 s
// (webgrad; 132 s cold) and 113-143 s (TF.js; 100 s cold), against 3 s on lavapipe in Node. So each
// side runs 1 warm-up and 3 timed runs (the median is reported with the count) under a wall-time cap
// per side: the page starts no run that would pass the cap if it took as long as the one before, and
// the driver gives up on a side at the cap plus a grace period (closing the page, and opening a fresh
// one for what is left; the closed page's queued GPU work still runs out in SwiftShader first, which
// slows the fresh page's start). A side with no timed run inside its cap reports "> cap". The whole line took
// 12.6 minutes there; its worst case is about 2 × (90 + 480) s plus the grace periods.

import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { chromiumPath, launchChromium, type OpenedPage, openPage, serveFolders, type StaticServer } from '../../test/browser/browser.js';
import { type BenchResult, median } from '../harness.js';
import { resnet18ForwardFlops } from '../workloads/models.js';
import { type BundledBenchPage, bundleBenchPage } from './bundle.js';
import { type BenchJob, type BenchPlan, type BenchSide, type BenchTimes, MATMUL_N, RESNET_BATCH, RESNET_SIZE } from './jobs.js';

export interface BrowserBenchOptions {
  warmup: number;
  runs: number;
  /** Wall-time cap per side (warm-up + timed runs), seconds, by job. */
  capS: Record<BenchJob, number>;
  /** Progress lines (stderr in the bench). */
  progress(line: string): void;
}

export const browserBenchDefaults = { warmup: 1, runs: 3, capS: { matmul: 90, resnet18: 480 } };

/**
 * How long the page may take to reach its adapters (webgrad's init and TF.js's setBackend): about
 * 5 s alone, but once past 120 s while two test suites ran browser tests beside it (load average 14).
 */
const START_TIMEOUT_S = 240;

/** Past the cap, how long the driver still waits for the run in flight before closing the page. */
const GRACE_S = 60;

const jobs: Array<{ job: BenchJob; name: string; shape: number[]; flops: number }> = [
  { job: 'matmul', name: 'browser matmul', shape: [MATMUL_N, MATMUL_N, MATMUL_N], flops: 2 * MATMUL_N ** 3 },
  {
    job: 'resnet18', name: 'browser resnet18 forward', shape: [RESNET_BATCH, 3, RESNET_SIZE, RESNET_SIZE],
    flops: resnet18ForwardFlops(RESNET_BATCH, RESNET_SIZE),
  },
];

/** Why the line cannot run here, or undefined when Chromium is in place. */
export function browserMissing(): string | undefined {
  if (existsSync(chromiumPath)) return undefined;
  return `browser line skipped: no Chromium at ${chromiumPath}; run \`npm run setup\` (as root on Debian it installs the chromium package) or set WEBGRAD_CHROMIUM`;
}

type SideOutcome = { times: BenchTimes } | { overCap: true; partial: BenchTimes };

/** One page of the bench, reopened after a side ran past its cap. */
class BenchPage {
  private opened?: OpenedPage;
  constructor(private readonly browser: Browser, private readonly url: string) {}

  async api(): Promise<OpenedPage> {
    if (this.opened) return this.opened;
    const opened = await openPage(this.browser, this.url);
    const started = await opened.page.waitForFunction(() => document.body.dataset.state !== undefined, undefined, { timeout: START_TIMEOUT_S * 1e3 })
      .then(() => true, () => false);
    const failure = started
      ? await opened.page.evaluate(() => window.__benchError)
      : `not ready after ${START_TIMEOUT_S} s (its log: ${JSON.stringify(await opened.page.evaluate(() => document.getElementById('log')?.textContent ?? '').catch(() => '?'))})`;
    if (failure !== undefined) {
      await opened.page.close().catch(() => {});
      throw new Error(`the bench page failed to start: ${failure}${opened.errors.length ? `\n${opened.errors.join('\n')}` : ''}`);
    }
    this.opened = opened;
    return opened;
  }

  async time(job: BenchJob, side: BenchSide, plan: BenchPlan): Promise<SideOutcome> {
    const { page } = await this.api();
    await page.evaluate(() => { window.__benchProgress = undefined; });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((ok) => { timer = setTimeout(() => ok('timeout'), plan.capMs + GRACE_S * 1e3); });
    const run = page.evaluate(([j, s, p]) => window.__bench!.time(j, s, p), [job, side, plan] as const);
    const outcome = await Promise.race([run, timedOut]).finally(() => clearTimeout(timer));
    if (outcome !== 'timeout') return { times: outcome };
    // The page is still waiting on the GPU: keep what it timed, then drop the page with its work.
    run.catch(() => {});
    const partial = (await page.evaluate(() => window.__benchProgress).catch(() => undefined)) ?? { warmupMs: [], ms: [], capped: true };
    await page.close().catch(() => {});
    this.opened = undefined;
    return { overCap: true, partial };
  }

  errors(): string[] {
    return this.opened?.errors ?? [];
  }
}

const describeTimes = (t: BenchTimes) => `warm-up ${t.warmupMs.map((v) => v.toFixed(0)).join(', ') || '-'} ms; runs ${t.ms.map((v) => v.toFixed(0)).join(', ') || '-'} ms`;

/** One side's median, or NaN with `over cap` when no timed run finished inside the cap. */
function summarize(outcome: SideOutcome): { ms: number; times: BenchTimes; overCap: boolean } {
  const times = 'times' in outcome ? outcome.times : outcome.partial;
  return { ms: times.ms.length ? median(times.ms) : NaN, times, overCap: times.ms.length === 0 };
}

/** Runs the line: its rows, or a one-line reason it could not run (the rest of the bench goes on). */
export async function runBrowserBench(options: BrowserBenchOptions): Promise<{ rows: BenchResult[]; seconds: number } | { skipped: string }> {
  const missing = browserMissing();
  if (missing) return { skipped: missing };
  const started = performance.now();
  let bundle: BundledBenchPage | undefined;
  let server: StaticServer | undefined;
  let browser: Browser | undefined;
  try {
    bundle = await bundleBenchPage();
    server = await serveFolders({ '/': bundle.dir });
    browser = await launchChromium();
    const page = new BenchPage(browser, server.url);
    const { page: first } = await page.api();
    const info = await first.evaluate(() => ({ adapter: window.__bench!.adapterName, tfjs: window.__bench!.tfjs }));
    const chromium = browser.version();
    const tfjsError = 'error' in info.tfjs ? info.tfjs.error : undefined;
    options.progress(`  browser: headless Chromium ${chromium}, webgrad on ${info.adapter}, TF.js ${tfjsError ? `failed: ${tfjsError}` : `on ${'adapter' in info.tfjs ? info.tfjs.adapter : '?'}`}\n`);
    const rows: BenchResult[] = [];
    for (const j of jobs) {
      const plan = (job: BenchJob): BenchPlan => ({ warmup: options.warmup, runs: options.runs, capMs: options.capS[job] * 1e3 });
      const ours = summarize(await page.time(j.job, 'webgrad', plan(j.job)));
      options.progress(`  ${j.name} ${j.shape.join('x')}: webgrad ${ours.overCap ? `> cap (${options.capS[j.job]} s)` : `${ours.ms.toFixed(0)} ms`} (${describeTimes(ours.times)})\n`);
      const theirs = tfjsError ? undefined : summarize(await page.time(j.job, 'tfjs', plan(j.job)));
      if (theirs) options.progress(`  ${j.name} ${j.shape.join('x')}: TF.js ${theirs.overCap ? `> cap (${options.capS[j.job]} s)` : `${theirs.ms.toFixed(0)} ms`} (${describeTimes(theirs.times)})\n`);
      const row: BenchResult = {
        name: j.name, shape: j.shape, ms: ours.ms, adapter: info.adapter,
        browser: `headless Chromium ${chromium}`, warmup: options.warmup, capS: options.capS[j.job],
        runsMs: ours.times.ms, warmupMs: ours.times.warmupMs,
      };
      if (ours.overCap) row.overCap = true;
      else row.gflops = j.flops / ours.ms / 1e6;
      if (theirs) {
        row.tfjsRunsMs = theirs.times.ms;
        row.tfjsWarmupMs = theirs.times.warmupMs;
        if (theirs.overCap) row.tfjsOverCap = true;
        else row.tfjsMs = theirs.ms;
        if (!ours.overCap && !theirs.overCap) row.ratio = theirs.ms / ours.ms;
      } else {
        row.tfjsSkipped = `TF.js's WebGPU backend did not start in the page: ${tfjsError}`;
      }
      const counts = (t: BenchTimes) => (t.ms.length
        ? `median of ${t.ms.length} runs after ${t.warmupMs.length} warm-up${t.capped ? ', stopped by the cap' : ''}`
        : `no timed run inside the cap (${t.warmupMs.length ? `warm-up ${t.warmupMs.map((v) => (v / 1e3).toFixed(1)).join(', ')} s` : 'the first run outlasted it'})`);
      row.note = `in ${row.browser} on ${info.adapter}: webgrad ${counts(ours.times)}` +
        (theirs ? `; TF.js ${counts(theirs.times)}` : '') + `; each run ends in a readback; cap ${options.capS[j.job]} s per side`;
      rows.push(row);
    }
    const errors = page.errors();
    if (errors.length) options.progress(`  browser page errors:\n${errors.map((e) => `    ${e}`).join('\n')}\n`);
    return { rows, seconds: (performance.now() - started) / 1e3 };
  } finally {
    await browser?.close().catch(() => {});
    await server?.close();
    await bundle?.remove();
  }
}
