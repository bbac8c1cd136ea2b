// How much the way we wait for the GPU costs the GPU itself. Dawn's Node binding polls in
// a setImmediate loop while a WebGPU promise is pending; on a software adapter that spin
// competes with the driver's threads. This workload times the same matmul chain waited on
// with webgrad's throttled wait and with a plain `await` (what TF.js and most code do).

import * as wg from '../../engine/index.js';
import { gpu } from '../../engine/index.js';
import { median } from '../harness.js';

export interface WaitResult {
  name: 'wait';
  shape: number[];
  ms: number;
  spinMs: number;
  /** Plain-await time / throttled-await time. */
  ratio: number;
}

export async function measureWait(runs = 5): Promise<WaitResult> {
  const n = 1024;
  const a = wg.randn([n, n]);
  const b = wg.randn([n, n]);
  const once = async (plain: boolean) => {
    await wg.synchronize();
    const t0 = performance.now();
    const outs = [wg.matmul(a, b), wg.matmul(b, a), wg.matmul(a, a)];
    wg.flush();
    if (plain) await gpu().device.queue.onSubmittedWorkDone();
    else await wg.synchronize();
    const ms = performance.now() - t0;
    for (const t of outs) t.dispose();
    return ms;
  };
  await once(false);
  await once(true);
  const throttled: number[] = [];
  const spinning: number[] = [];
  for (let i = 0; i < runs; i++) {
    throttled.push(await once(false));
    spinning.push(await once(true));
  }
  a.dispose();
  b.dispose();
  const ms = median(throttled);
  const spinMs = median(spinning);
  return { name: 'wait', shape: [3, n, n, n], ms, spinMs, ratio: spinMs / ms };
}
