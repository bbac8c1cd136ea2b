// npm run bench [-- --json] [-- --filter NAME[,NAME…]] [-- --runs N] [-- --no-tfjs] [-- --no-torch] [-- --no-browser] [-- --profile]
// Runs each workload on webgrad and on TF.js's WebGPU backend (same adapter, same
// process), prints a table (or JSON lines) and writes bench/results/<timestamp>.json.
// The model workloads (--filter resnet, --filter resnt18rnn) are also timed on PyTorch CPU
// where /usr/bin/python3 has torch (bench/pytorch_models.py, run before ours, never alongside).
// The browser line (--filter browser; --no-browser leaves it out) runs last: matmul 1024³ and ResNet18
// forward in headless Chromium, webgrad beside TF.js in one page (bench/browser/run.ts, minutes on
// SwiftShader, its own fixed run counts and caps).

import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import * as wg from '../engine/index.js';
import { type BenchResult, formatTable, median, timeRuns, type Workload } from './harness.js';
import { loadTfjs, tfjsSync } from './tfjs.js';
import { convWorkloads } from './workloads/conv.js';
import { coreWorkloads } from './workloads/core.js';
import { modelWorkloads, pytorchTimes, type TorchTimes } from './workloads/models.js';
import { nnWorkloads } from './workloads/nn.js';
import { optimWorkloads } from './workloads/optim.js';
import { measureWait } from './workloads/wait.js';
import { fmaLimitName, limitWorkloads, streamLimitName } from './workloads/limits.js';
import { profileOnce } from './profile.js';

interface Args { json: boolean; filter?: string; runs: number; warmup: number; noTfjs: boolean; noTorch: boolean; noBrowser: boolean; profile: boolean }

function parseArgs(argv: string[]): Args {
  const args: Args = { json: false, runs: 7, warmup: 2, noTfjs: false, noTorch: false, noBrowser: false, profile: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') args.json = true;
    else if (a === '--no-tfjs') args.noTfjs = true;
    else if (a === '--no-torch') args.noTorch = true;
    else if (a === '--no-browser') args.noBrowser = true;
    else if (a === '--profile') args.profile = true;
    else if (a === '--filter') args.filter = argv[++i];
    else if (a === '--runs') args.runs = Math.max(5, Number(argv[++i]));
    else if (a === '--help') {
      console.log('npm run bench -- [--json] [--filter NAME] [--runs N>=5] [--no-tfjs] [--no-torch] [--no-browser] [--profile]\n  --profile: one more run of each workload with every kernel timed alone, by kernel family and by layer\n  --filter browser: only the browser line (headless Chromium, webgrad beside TF.js in one page; --no-browser skips it)');
      process.exit(0);
    } else throw new Error(`bench: unknown argument '${a}' (try --help)`);
  }
  return args;
}

async function measure(w: Workload, args: Args, adapter: string, tfjsReady: boolean, torch: TorchTimes): Promise<BenchResult> {
  // Heavy workloads (a model forward takes seconds) set their own, smaller counts.
  const warmup = w.warmup ?? args.warmup;
  const runs = w.runs ?? args.runs;
  const ours = w.ours();
  if (args.profile && !w.name.startsWith('limit:')) await profileOnce(w, ours);
  const wall = await timeRuns(async () => {
    await wg.synchronize();
    const t0 = performance.now();
    ours.run();
    await wg.synchronize();
    return performance.now() - t0;
  }, warmup, runs);
  const gpuRuns = w.gpuRuns ?? args.runs;
  const gpu = gpuRuns > 0 ? await timeRuns(async () => (await wg.gpuTimeMs(ours.run)) ?? NaN, 1, gpuRuns) : [NaN];
  const fields = ours.fields?.() ?? {};
  ours.dispose();
  const ms = median(wall);
  const gpuMs = median(gpu);
  const result: BenchResult = { name: w.name, shape: w.shape, ms, adapter };
  if (Number.isFinite(gpuMs)) result.gpuMs = gpuMs;
  if (w.flops) result.gflops = w.flops / ms / 1e6;
  if (w.bytes) result.gbps = w.bytes / ms / 1e6;
  if (w.throughput) result[w.throughput.field] = w.throughput.count / (ms / 1e3);
  Object.assign(result, fields);
  if (tfjsReady && w.tfjs) {
    const theirs = w.tfjs();
    const timeTfjs = (throttled: boolean, warm: number) => timeRuns(async () => {
      await tfjsSync(throttled);
      const t0 = performance.now();
      theirs.run();
      await tfjsSync(throttled);
      return performance.now() - t0;
    }, warm, runs);
    result.tfjsMs = median(await timeTfjs(false, warmup));
    result.ratio = result.tfjsMs / ms;
    // The same workload with TF.js waited on our way: kernels against kernels. A heavy workload's
    // TF.js is warm from the pass above, and one more untimed run of it can take most of a minute.
    result.tfjsSameWaitMs = median(await timeTfjs(true, w.warmup !== undefined ? 0 : warmup));
    result.sameWaitRatio = result.tfjsSameWaitMs / ms;
    theirs.dispose();
  } else if (w.tfjsSkipped) {
    result.tfjsSkipped = w.tfjsSkipped;
  }
  if (w.torch) {
    const t = typeof torch === 'string' ? torch : torch.get(w.torch) ?? `bench/pytorch_models.py gave no time for '${w.torch}'`;
    if (typeof t === 'number') {
      result.torchMs = t;
      result.torchRatio = t / ms;
    } else {
      result.torchSkipped = t;
    }
    for (const [field, key] of Object.entries(w.torchVariants ?? {})) {
      const v = typeof torch === 'string' ? undefined : torch.get(key);
      if (v !== undefined) result[field] = v;
    }
  }
  return result;
}

/** Each row's GFLOP/s (or GB/s) as a fraction of the FMA-only (or streaming) limit measured in the same run. */
function fractionsOfLimits(results: BenchResult[]): void {
  const fma = results.find((r) => r.name === fmaLimitName)?.gflops;
  const stream = results.find((r) => r.name === streamLimitName)?.gbps;
  for (const r of results) {
    if (r.name === fmaLimitName || r.name === streamLimitName) continue;
    if (fma && r.gflops !== undefined) r.ofComputeLimit = r.gflops / fma;
    else if (stream && r.gbps !== undefined) r.ofMemoryLimit = r.gbps / stream;
  }
}

/** The isolated conv the train step is held to (issue 12: the step at >= 80 % of its GFLOP/s). */
const CONV_REFERENCE = 'conv2d fwd layer1 3x3';

/** The train step's GFLOP/s as a fraction of the isolated layer1 conv's in the same run, as a note on its row. */
function trainStepOfConv(results: BenchResult[]): void {
  const conv = results.find((r) => r.name === CONV_REFERENCE)?.gflops;
  const step = results.find((r) => r.name === 'resnt18rnn train step');
  if (!conv || !step?.gflops) return;
  step.ofIsolatedConv = step.gflops / conv;
  const note = `${(100 * step.gflops / conv).toFixed(0)} % of the isolated '${CONV_REFERENCE}' line's ${conv.toFixed(1)} GFLOP/s in this run`;
  step.note = step.note ? `${String(step.note)}; ${note}` : note;
}

/**
 * The browser line: its rows (adapter, ms, GFLOP/s, ratio vs TF.js), how long it took and the load
 * average around it; or one line saying why it did not run, and the rest of the bench goes on.
 */
async function runBrowserLine(json: boolean): Promise<{ rows: BenchResult[]; summary: Record<string, unknown> }> {
  const loadavgAtStart = loadavg()[0];
  const say = (line: string) => (json ? console.log(JSON.stringify({ name: 'browser', skipped: line })) : console.log(line));
  try {
    const { browserBenchDefaults, runBrowserBench } = await import('./browser/run.js');
    const out = await runBrowserBench({ ...browserBenchDefaults, progress: (line) => { if (!json) process.stderr.write(line); } });
    if ('skipped' in out) {
      say(out.skipped);
      return { rows: [], summary: { skipped: out.skipped } };
    }
    const loadavgAtEnd = loadavg()[0];
    if (!json) process.stderr.write(`  browser line: ${out.seconds.toFixed(0)} s, load average ${loadavgAtStart.toFixed(2)} at its start, ${loadavgAtEnd.toFixed(2)} at its end\n`);
    return { rows: out.rows, summary: { seconds: out.seconds, loadavgAtStart, loadavgAtEnd } };
  } catch (error) {
    const why = `browser line failed: ${error instanceof Error ? error.message : String(error)}`;
    say(why);
    return { rows: [], summary: { skipped: why } };
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const ctx = await wg.init();
  // lavapipe's GPU is these CPU cores: a busy machine slows every row (and PyTorch's threads most).
  const machine = { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, loadavgAtStart: loadavg()[0] };
  const tf = args.noTfjs ? undefined : await loadTfjs().catch(() => undefined);
  const all = [...coreWorkloads(tf), ...convWorkloads(tf), ...nnWorkloads(tf), ...optimWorkloads(tf), ...modelWorkloads(tf)];
  // The adapter's limits run with every selection of workloads: each row is read as a fraction of them.
  // --filter a,b: workloads whose name contains any of the comma-separated parts
  const parts = args.filter?.split(',').map((p) => p.trim()).filter(Boolean) ?? [];
  const selected = all.filter((w) => parts.length === 0 || parts.some((p) => w.name.includes(p)));
  /** Whether the filter picks a named extra line (a part of its name, as before the list form). */
  const wants = (...names: string[]) => parts.length === 0 || parts.some((p) => names.some((n) => n.includes(p)));
  const workloads = selected.length ? [...limitWorkloads(), ...selected] : [];
  const results: BenchResult[] = [];
  if (!args.json) console.log(`webgrad bench on ${ctx.adapterName}${tf ? ' (vs TF.js WebGPU on the same adapter)' : ''}\n`);
  const torchKeys = workloads.flatMap((w) => (w.torch ? [w.torch, ...Object.values(w.torchVariants ?? {})] : []));
  if (!args.json && torchKeys.length) console.log(`CPU: ${machine.cpu}, ${machine.cores} cores, load average ${machine.loadavgAtStart.toFixed(2)}\n`);
  const torch: TorchTimes = args.noTorch ? 'not run (--no-torch)' : pytorchTimes(torchKeys, (line) => { if (!args.json) process.stderr.write(line); });
  for (const w of workloads) {
    const r = await measure(w, args, ctx.adapterName, tf !== undefined, torch);
    results.push(r);
    if (args.json) console.log(JSON.stringify(r));
    else process.stderr.write(`  ${w.name} ${w.shape.join('x')}: ${r.ms.toFixed(2)} ms\n`);
  }
  fractionsOfLimits(results);
  trainStepOfConv(results);
  if (wants('wait')) {
    const line = { adapter: ctx.adapterName, ...(await measureWait(args.runs)) } as unknown as BenchResult;
    results.push(line);
    if (args.json) console.log(JSON.stringify(line));
    else console.log(`  wait: 3 matmuls 1024³ waited on without spinning ${line.ms.toFixed(1)} ms, with Dawn's spinning await ${(line.spinMs as number).toFixed(1)} ms`);
  }
  if (wants('prepare', 'loader')) {
    const { runPrepareBench } = await import('./prepare.js');
    for (const r of await runPrepareBench({ json: args.json })) {
      const line = { adapter: ctx.adapterName, ...r } as unknown as BenchResult;
      results.push(line);
      if (args.json) console.log(JSON.stringify(line));
    }
  }
  let browserLine: Record<string, unknown> | undefined;
  if (!args.noBrowser && wants('browser')) {
    const line = await runBrowserLine(args.json);
    browserLine = line.summary;
    for (const r of line.rows) {
      results.push(r);
      if (args.json) console.log(JSON.stringify(r));
    }
  }
  if (!args.json) {
    const rows = results.filter((r) => typeof r.ms === 'number' && r.name !== 'wait');
    if (rows.length) console.log(formatTable(rows));
    for (const r of results.filter((x) => typeof x.ms !== 'number' || x.name === 'wait')) {
      const { adapter: _, ...fields } = r;
      console.log(JSON.stringify(fields));
    }
  }
  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  const file = `${dir}${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
  writeFileSync(`${file}.tmp`, JSON.stringify({ adapter: ctx.adapterName, date: new Date().toISOString(), ...machine, ...(browserLine && { browserLine }), results }, null, 2));
  renameSync(`${file}.tmp`, file);
  if (!args.json) console.log(`\nwrote ${file}`);
  process.exit(0);
}

await main();
