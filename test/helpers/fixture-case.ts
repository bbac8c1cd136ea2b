// The PyTorch oracle's core: runs one case of a fixture file (test/fixtures/README.md has the
// format) through webgrad and compares every output and every input gradient with the case's
// tolerances, returning what went wrong instead of throwing. No Node or vitest imports: the Node
// tests (fixtures.ts, checkCase) and the browser fixture page (test/browser/fixture-page.ts)
// both run cases through this one function.

import * as wg from '../../engine/index.js';
import type { Tensor } from '../../engine/index.js';
import { mismatch, parseValue } from './compare.js';
import { fixtureOps, type OpRunner } from './fixture-ops.js';

export type { OpRunner } from './fixture-ops.js';

export interface FixtureTensor {
  shape: number[];
  dtype: 'float32' | 'int32' | 'bool';
  data: Array<number | string>;
  requiresGrad?: boolean;
  view?: Array<Record<string, unknown>>;
}

export interface FixtureCase {
  name: string;
  op: string;
  kwargs: Record<string, unknown>;
  inputs: FixtureTensor[];
  outputs: FixtureTensor[];
  gradOutputs?: Array<FixtureTensor | null>;
  grads?: Array<FixtureTensor | null>;
  atol: number;
  rtol: number;
}

/** Every fixture file read through runCase, as "<dir>/<family>" under test/fixtures/. */
export const fixtureFiles = [
  'core/elementwise', 'core/reduction', 'core/matmul', 'core/indexing', 'core/softmax',
  'conv/conv2d', 'conv/pool',
  'nn/batchnorm', 'nn/lstm', 'nn/loss', 'nn/linear',
] as const;

export interface CaseResult {
  name: string;
  ok: boolean;
  /** One line per output or gradient that differs, each starting with the case's name. */
  failures: string[];
  /** An exception from webgrad (message and stack), when the case threw instead of finishing. */
  error?: { message: string; stack?: string };
  /** Wall time of the case, readbacks included. */
  ms: number;
}

const registered = new Map<string, OpRunner>(Object.entries(fixtureOps));

/** Adds or replaces runners for ops not in fixture-ops.ts (a new op's test file, before running its cases). */
export function registerOps(ops: Record<string, OpRunner>): void {
  for (const [name, run] of Object.entries(ops)) registered.set(name, run);
}

function toTensor(f: FixtureTensor, requiresGrad = false): Tensor {
  const values = f.data.map(parseValue);
  return wg.tensor(values, { shape: f.shape, dtype: f.dtype, requiresGrad });
}

function applyView(t: Tensor, step: Record<string, unknown>): Tensor {
  switch (step.op) {
    case 'permute': return t.permute(step.dims as number[]);
    case 'transpose': return t.transpose(step.dim0 as number, step.dim1 as number);
    case 'narrow': return t.narrow(step.dim as number, step.start as number, step.length as number);
    case 'expand': return t.expand(step.shape as number[]);
    case 'unsqueeze': return t.unsqueeze(step.dim as number);
    case 'reshape': return t.reshape(step.shape as number[]);
    default: throw new Error(`fixture: unknown view step ${JSON.stringify(step)}`);
  }
}

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);
const shapeText = (s: readonly number[]) => `[${s.join(',')}]`;

/** Runs one case: forward outputs, then backward with the fixture's upstream gradients. */
export async function runCase(c: FixtureCase): Promise<CaseResult> {
  const started = performance.now();
  const failures: string[] = [];
  const tol = { atol: c.atol, rtol: c.rtol };
  const made: Tensor[] = [];
  const check = async (got: Tensor, want: FixtureTensor, what: string, dtype: boolean) => {
    if (!sameShape(got.shape, want.shape)) failures.push(`${c.name}: ${what} shape ${shapeText(got.shape)}, expected ${shapeText(want.shape)}`);
    else if (dtype && got.dtype !== want.dtype) failures.push(`${c.name}: ${what} dtype ${got.dtype}, expected ${want.dtype}`);
    else {
      const why = mismatch(await got.data(), want.data, tol, `${c.name}: ${what}`);
      if (why !== undefined) failures.push(why);
    }
  };
  let error: CaseResult['error'];
  try {
    const run = registered.get(c.op);
    if (!run) throw new Error(`fixture: no runner for op '${c.op}'`);
    const bases = c.inputs.map((f) => toTensor(f, Boolean(f.requiresGrad)));
    made.push(...bases);
    const inputs = bases.map((t, i) => (c.inputs[i]!.view ?? []).reduce(applyView, t));
    made.push(...inputs);
    const outputs = run(inputs, c.kwargs ?? {});
    made.push(...outputs);
    if (outputs.length < c.outputs.length) failures.push(`${c.name}: ${outputs.length} outputs, expected ${c.outputs.length}`);
    for (let i = 0; i < Math.min(outputs.length, c.outputs.length); i++) await check(outputs[i]!, c.outputs[i]!, `output ${i}`, true);
    if (c.grads && c.gradOutputs && outputs.length >= c.outputs.length) {
      const differentiable = outputs.filter((_, i) => c.gradOutputs![i]);
      const seeds = c.gradOutputs.filter((g): g is FixtureTensor => g !== null).map((g) => toTensor(g));
      // Several differentiable outputs: backward of Σ⟨out_i, seed_i⟩ gives the same gradients.
      if (differentiable.length === 1) differentiable[0]!.backward(seeds[0]);
      else wg.stack(differentiable.map((o, i) => o.mul(seeds[i]!).sum())).sum().backward();
      for (let i = 0; i < c.grads.length; i++) {
        const want = c.grads[i];
        if (!want) continue;
        const got = bases[i]!.grad;
        if (!got) failures.push(`${c.name}: input ${i} has no gradient`);
        else await check(got, want, `grad ${i}`, false);
      }
    }
  } catch (thrown) {
    const e = thrown instanceof Error ? thrown : new Error(String(thrown));
    error = { message: e.message, stack: e.stack };
    failures.push(`${c.name}: threw ${e.message}`);
  } finally {
    for (const t of made) t.dispose();
  }
  return { name: c.name, ok: failures.length === 0, failures, ...(error ? { error } : {}), ms: performance.now() - started };
}

/**
 * The harness's self-check: a copy of `c` whose first expected output value (or first expected
 * gradient value) is off by 1e-3, which runCase must report ("output 0: element 0" / "grad i: element 0").
 */
export function perturbed(c: FixtureCase, where: 'outputs' | 'grads'): FixtureCase {
  const copy = structuredClone(c);
  const target = where === 'outputs' ? copy.outputs[0] : copy.grads?.find((g) => g);
  if (!target) throw new Error(`fixture: ${c.name} has no ${where} to perturb`);
  target.data[0] = Number(target.data[0]) + 1e-3;
  return copy;
}
