// The browser bench page: webgrad and TF.js's WebGPU backend loaded in one page, each on its own
// device from the page's navigator.gpu (in headless Chromium without a GPU, both SwiftShader), so
// the two are timed on the same adapter, in the same renderer, one after the other. Bundled by
// bench/browser/bundle.ts and driven by bench/browser/run.ts through window.__bench (jobs.ts).
//
// Each timed run ends with a readback of the result (`await y.data()` on both sides), as a page
// waits to show it; that also waits for the GPU, so no run leaves work queued for the next.

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgpu';
import * as wg from '../../engine/index.js';
import { resnet18 } from '../../models/index.js';
import { tfResnet18 } from '../workloads/models.js';
import { type BenchJob, type BenchPageApi, type BenchPlan, type BenchSide, type BenchTimes, MATMUL_N, RESNET_BATCH, RESNET_SIZE } from './jobs.js';

interface Prepared { run(): Promise<void>; dispose(): void }

function webgradJob(job: BenchJob): Prepared {
  if (job === 'matmul') {
    const a = wg.randn([MATMUL_N, MATMUL_N]);
    const b = wg.randn([MATMUL_N, MATMUL_N]);
    return {
      run: async () => { const c = wg.matmul(a, b); await c.data(); c.dispose(); },
      dispose: () => { a.dispose(); b.dispose(); },
    };
  }
  const model = resnet18();
  model.eval();
  const x = wg.randn([RESNET_BATCH, 3, RESNET_SIZE, RESNET_SIZE]);
  return {
    run: async () => { const y = wg.tidy(() => wg.noGrad(() => model.call(x))); await y.data(); y.dispose(); },
    dispose: () => { x.dispose(); model.dispose(); },
  };
}

function tfjsJob(job: BenchJob): Prepared {
  if (job === 'matmul') {
    const a = tf.randomNormal([MATMUL_N, MATMUL_N]);
    const b = tf.randomNormal([MATMUL_N, MATMUL_N]);
    return {
      run: async () => { const c = tf.matMul(a, b); await c.data(); c.dispose(); },
      dispose: () => { a.dispose(); b.dispose(); },
    };
  }
  const net = tfResnet18(tf, RESNET_BATCH);
  return {
    run: async () => { const y = net.forward(); await y.data(); y.dispose(); },
    dispose: () => net.dispose(),
  };
}

async function time(job: BenchJob, side: BenchSide, plan: BenchPlan): Promise<BenchTimes> {
  const prepared = side === 'webgrad' ? webgradJob(job) : tfjsJob(job);
  const out: BenchTimes = { warmupMs: [], ms: [], capped: false };
  window.__benchProgress = out;
  const started = performance.now();
  let last = 0;
  try {
    for (let i = 0; i < plan.warmup + plan.runs; i++) {
      // No run starts that would end past the cap if it took as long as the one before.
      if (performance.now() - started + last > plan.capMs) {
        out.capped = true;
        break;
      }
      const t0 = performance.now();
      await prepared.run();
      last = performance.now() - t0;
      (i < plan.warmup ? out.warmupMs : out.ms).push(last);
    }
  } finally {
    prepared.dispose();
  }
  return out;
}

async function startTfjs(): Promise<BenchPageApi['tfjs']> {
  // As bench/tfjs.ts in Node: small ops stay on the GPU rather than TF.js's CPU shortcut.
  tf.env().set('WEBGPU_CPU_FORWARD', false);
  if (!(await tf.setBackend('webgpu'))) return { error: "tf.setBackend('webgpu') failed (no WebGPU adapter for TF.js)" };
  await tf.ready();
  const info = (tf.backend() as unknown as { adapterInfo?: { vendor?: string; architecture?: string } }).adapterInfo;
  return { adapter: [info?.vendor, info?.architecture].filter(Boolean).join(' ') || 'unknown adapter' };
}

const log = (line: string) => {
  document.getElementById('log')!.textContent += `${line}\n`;
};

async function start(): Promise<void> {
  // Each step is logged first, so a start that hangs says where (the driver prints the log).
  log('webgrad: init');
  await wg.init();
  log(`webgrad on ${wg.gpu().adapterName}; TF.js: setBackend('webgpu')`);
  const tfjs = await startTfjs().catch((e: unknown) => ({ error: e instanceof Error ? e.message : String(e) }));
  const api: BenchPageApi = { adapterName: wg.gpu().adapterName, tfjs, time };
  log(`TF.js ${'adapter' in tfjs ? `on ${tfjs.adapter}` : `failed: ${tfjs.error}`}`);
  window.__bench = api;
  document.body.dataset.state = 'ready';
}

start().catch((error: unknown) => {
  window.__benchError = error instanceof Error ? `${error.message}\n${error.stack ?? ''}` : String(error);
  log(`failed: ${window.__benchError}`);
  document.body.dataset.state = 'error';
});
