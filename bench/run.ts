// npm run bench [-- --json] [-- --filter NAME] [-- --runs N]
// Runs each workload on webgrad and on TF.js's WebGPU backend (same adapter, same
// process), prints a table (or JSON lines) and writes bench/results/<timestamp>.json.

import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as wg from '../engine/index.js';
import { type BenchResult, formatTable, median, timeRuns, type Workload } from './harness.js';
import { loadTfjs, tfjsSync } from './tfjs.js';
import { convWorkloads } from './workloads/conv.js';
import { coreWorkloads } from './workloads/core.js';
import { nnWorkloads } from './workloads/nn.js';
import { optimWorkloads } from './workloads/optim.js';
import { measureWait } from './workloads/wait.js';

interface Args { json: boolean; filter?: string; runs: number; warmup: number; noTfjs: boolean }

function parseArgs(argv: string[]): Args {
  const args: Args = { json: false, runs: 7, warmup: 2, noTfjs: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') args.json = true;
    else if (a === '--no-tfjs') args.noTfjs = true;
    else if (a === '--filter') args.filter = argv[++i];
    else if (a === '--runs') args.runs = Math.max(5, Number(argv[++i]));
    else if (a === '--help') {
      console.log('npm run bench -- [--json] [--filter NAME] [--runs N>=5] [--no-tfjs]');
      process.exit(0);
    } else throw new Error(`bench: unknown argument '${a}' (try --help)`);
  }
  return args;
}

async function measure(w: Workload, args: Args, adapter: string, tfjsReady: boolean): Promise<BenchResult> {
  const ours = w.ours();
  const wall = await timeRuns(async () => {
    await wg.synchronize();
    const t0 = performance.now();
    ours.run();
    await wg.synchronize();
    return performance.now() - t0;
  }, args.warmup, args.runs);
  const gpu = await timeRuns(async () => (await wg.gpuTimeMs(ours.run)) ?? NaN, 1, args.runs);
  ours.dispose();
  const ms = median(wall);
  const gpuMs = median(gpu);
  const result: BenchResult = { name: w.name, shape: w.shape, ms, adapter };
  if (Number.isFinite(gpuMs)) result.gpuMs = gpuMs;
  if (w.flops) result.gflops = w.flops / ms / 1e6;
  if (w.bytes) result.gbps = w.bytes / ms / 1e6;
  if (tfjsReady && w.tfjs) {
    const theirs = w.tfjs();
    const timeTfjs = (throttled: boolean) => timeRuns(async () => {
      await tfjsSync(throttled);
      const t0 = performance.now();
      theirs.run();
      await tfjsSync(throttled);
      return performance.now() - t0;
    }, args.warmup, args.runs);
    result.tfjsMs = median(await timeTfjs(false));
    result.ratio = result.tfjsMs / ms;
    // The same workload with TF.js waited on our way: kernels against kernels.
    result.tfjsSameWaitMs = median(await timeTfjs(true));
    result.sameWaitRatio = result.tfjsSameWaitMs / ms;
    theirs.dispose();
  }
  return result;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const ctx = await wg.init();
  const tf = args.noTfjs ? undefined : await loadTfjs().catch(() => undefined);
  const all = [...coreWorkloads(tf), ...convWorkloads(tf), ...nnWorkloads(tf), ...optimWorkloads(tf)];
  const workloads = all.filter((w) => !args.filter || w.name.includes(args.filter));
  const results: BenchResult[] = [];
  if (!args.json) console.log(`webgrad bench on ${ctx.adapterName}${tf ? ' (vs TF.js WebGPU on the same adapter)' : ''}\n`);
  for (const w of workloads) {
    const r = await measure(w, args, ctx.adapterName, tf !== undefined);
    results.push(r);
    if (args.json) console.log(JSON.stringify(r));
    else process.stderr.write(`  ${w.name} ${w.shape.join('x')}: ${r.ms.toFixed(2)} ms\n`);
  }
  if (args.filter === undefined || 'wait'.includes(args.filter)) {
    const line = { adapter: ctx.adapterName, ...(await measureWait(args.runs)) } as unknown as BenchResult;
    results.push(line);
    if (args.json) console.log(JSON.stringify(line));
    else console.log(`  wait: 3 matmuls 1024³ waited on without spinning ${line.ms.toFixed(1)} ms, with Dawn's spinning await ${(line.spinMs as number).toFixed(1)} ms`);
  }
  if (args.filter === undefined || 'prepare'.includes(args.filter) || 'loader'.includes(args.filter)) {
    const { runPrepareBench } = await import('./prepare.js');
    for (const r of await runPrepareBench({ json: args.json })) {
      const line = { adapter: ctx.adapterName, ...r } as unknown as BenchResult;
      results.push(line);
      if (args.json) console.log(JSON.stringify(line));
    }
  }
  if (!args.json) {
    console.log(formatTable(results.filter((r) => typeof r.ms === 'number' && r.name !== 'wait')));
    for (const r of results.filter((x) => typeof x.ms !== 'number' || x.name === 'wait')) {
      const { adapter: _, ...fields } = r;
      console.log(JSON.stringify(fields));
    }
  }
  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  const file = `${dir}${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
  writeFileSync(`${file}.tmp`, JSON.stringify({ adapter: ctx.adapterName, date: new Date().toISOString(), results }, null, 2));
  renameSync(`${file}.tmp`, file);
  if (!args.json) console.log(`\nwrote ${file}`);
  process.exit(0);
}

await main();
