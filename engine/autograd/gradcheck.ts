// Finite-difference gradient check: compares backward's gradients with central
// differences computed in f64 on the host from the op evaluated at perturbed inputs.

import { tensor } from '../ops/creation.js';
import { noGrad } from './grad-mode.js';
import type { Tensor } from '../tensor/tensor.js';

export interface GradcheckOptions {
  eps?: number;
  atol?: number;
  rtol?: number;
}

export interface GradcheckResult {
  ok: boolean;
  maxError: number;
  /** The worst element: input index, flat position, analytic and numeric values. */
  worst?: { input: number; index: number; analytic: number; numeric: number };
}

/**
 * fn maps the inputs to a tensor; the check differentiates sum(fn(x) · w) for a fixed
 * random w so every output element matters. Inputs must be float32 leaves.
 */
export async function gradcheck(fn: (...inputs: Tensor[]) => Tensor, inputs: Tensor[], options: GradcheckOptions = {}): Promise<GradcheckResult> {
  const eps = options.eps ?? 1e-2;
  const atol = options.atol ?? 1e-3;
  const rtol = options.rtol ?? 1e-2;
  const hosts = await Promise.all(inputs.map(async (t) => Float64Array.from(await t.data())));
  const probe = noGrad(() => fn(...inputs));
  const weights = Float64Array.from({ length: probe.numel }, (_, i) => Math.sin(1.7 * i + 0.3));
  const outShape = probe.shape;
  probe.dispose();
  const w = tensor(Float32Array.from(weights), { shape: outShape });

  const objective = async (values: Float64Array[]): Promise<number> => {
    const xs = values.map((v, i) => tensor(Float32Array.from(v), { shape: inputs[i]!.shape }));
    const y = noGrad(() => fn(...xs));
    const out = await y.data();
    y.dispose();
    for (const x of xs) x.dispose();
    let total = 0;
    for (let i = 0; i < out.length; i++) total += out[i]! * weights[i]!;
    return total;
  };

  const leaves = inputs.map((t, i) => tensor(Float32Array.from(hosts[i]!), { shape: t.shape, requiresGrad: true }));
  const y = fn(...leaves);
  const weighted = y.mul(w).sum();
  weighted.backward();
  const analytic = await Promise.all(leaves.map(async (l) => (l.grad ? await l.grad.data() : new Float32Array(l.numel))));
  for (const t of [y, weighted, w, ...leaves]) t.dispose();

  let maxError = 0;
  let worst: GradcheckResult['worst'];
  let ok = true;
  for (let i = 0; i < hosts.length; i++) {
    for (let j = 0; j < hosts[i]!.length; j++) {
      const plus = hosts.map((h) => Float64Array.from(h));
      const minus = hosts.map((h) => Float64Array.from(h));
      plus[i]![j]! += eps;
      minus[i]![j]! -= eps;
      const numeric = ((await objective(plus)) - (await objective(minus))) / (2 * eps);
      const a = analytic[i]![j]!;
      const error = Math.abs(a - numeric);
      if (error > atol + rtol * Math.abs(numeric)) ok = false;
      if (error > maxError) {
        maxError = error;
        worst = { input: i, index: j, analytic: a, numeric };
      }
    }
  }
  return { ok, maxError, worst };
}
