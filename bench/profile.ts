// --profile: one run of a workload with every kernel timed alone, printed by kernel family and by
// layer. A family above 5 % of the kernel time prints why it may be there (issue 12: no family over
// 5 % of the step without a written reason); one without a reason here is flagged for a look.
import * as wg from '../engine/index.js';
import type { Workload } from './harness.js';

const FLAG_SHARE = 0.05;

/** Why each family may take a large share of a step. Keep to what a measurement showed. */
export const FAMILY_REASONS: Readonly<Record<string, string>> = {
  'conv2d:implicit-gemm':
    'the convolutions forward and grad-input: ~2/3 of the step\'s FLOPs (the stem\'s grad-input is never run); bound by arithmetic, at the isolated conv lines\' speed',
  'conv2d:wgrad': 'the convolutions\' grad-weight: ~1/3 of the step\'s FLOPs, same GEMM size as the forward',
  'pool:max':
    'the stem\'s 3x3/2 max-pool, forward and backward over 128x64x56x56: memory-bound, no FLOPs to speak of',
};

export async function profileOnce(w: Workload, ours: ReturnType<Workload['ours']>): Promise<void> {
  ours.run(); // warm: compile every pipeline first
  await wg.synchronize();
  const stop = wg.startProfiling(ours.modules?.() ?? []);
  ours.run();
  await wg.synchronize();
  await new Promise((resolve) => setTimeout(resolve, 100)); // the last timestamp readbacks
  const r = stop();
  const pct = (ms: number) => `${((100 * ms) / r.totalMs).toFixed(1).padStart(5)} %`;
  const lines = [`\nprofile of ${w.name} ${w.shape.join('x')}: ${r.totalMs.toFixed(1)} ms of kernels (each timed alone)`, '  by kernel family:'];
  for (const f of r.families.slice(0, 15)) {
    const big = f.ms > FLAG_SHARE * r.totalMs;
    const why = big ? `  <- ${FAMILY_REASONS[f.family] ?? 'over 5 % with no reason recorded in bench/profile.ts: look into it'}` : '';
    lines.push(`    ${pct(f.ms)}  ${f.ms.toFixed(1).padStart(9)} ms  ${String(f.count).padStart(5)}x  ${f.family}${why}`);
  }
  lines.push('  by layer:');
  for (const l of r.layers.slice(0, 25)) lines.push(`    ${pct(l.ms)}  ${l.ms.toFixed(1).padStart(9)} ms  ${l.scope}  (${l.families.slice(0, 3).map((f) => f.family).join(', ')})`);
  process.stderr.write(`${lines.join('\n')}\n\n`);
}
