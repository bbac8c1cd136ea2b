// The PyTorch oracle: runs each case of a fixture file written by
// test/fixtures/generate_core.py through webgrad and compares every output and every
// input gradient with the case's tolerances.

import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { fileURLToPath } from 'node:url';
import * as wg from '../../engine/index.js';
import type { Tensor } from '../../engine/index.js';
import { closeEnough, parseValue } from './compare.js';

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

/** Cases of test/fixtures/<dir>/<family>.json (dir defaults to 'core'). */
export function loadFixture(family: string, dir = 'core'): FixtureCase[] {
  const path = fileURLToPath(new URL(`../fixtures/${dir}/${family}.json`, import.meta.url));
  return (JSON.parse(readFileSync(path, 'utf8')) as { cases: FixtureCase[] }).cases;
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

type Kw = Record<string, unknown>;

/** Runs a fixture op: the (viewed) input tensors and the kwargs → outputs in fixture order. */
export type OpRunner = (inputs: Tensor[], kwargs: Kw) => Tensor[];
const registered = new Map<string, OpRunner>();

/** Lets a test file add runners for its own ops (conv2d, batchNorm, …) before checkCase. */
export function registerOps(ops: Record<string, OpRunner>): void {
  for (const [name, run] of Object.entries(ops)) registered.set(name, run);
}
const dimsOf = (kw: Kw) => kw.dim as number | number[] | null | undefined;

/** Runs the op named in the fixture; returns its outputs in fixture order. */
function runOp(op: string, x: Tensor[], kw: Kw): Tensor[] {
  const custom = registered.get(op);
  if (custom) return custom(x, kw);
  const [a, b, c] = x;
  const scalar = kw.scalar as number | undefined;
  const alpha = kw.alpha as number | undefined;
  switch (op) {
    case 'add': return [wg.add(a!, scalar ?? b!, { alpha })];
    case 'sub': return [wg.sub(a!, scalar ?? b!, { alpha })];
    case 'mul': return [wg.mul(a!, scalar ?? b!)];
    case 'div': return [wg.div(a!, scalar ?? b!)];
    case 'pow': return [wg.pow(a!, (kw.exponent as number | undefined) ?? b!)];
    case 'maximum': return [wg.maximum(a!, b!)];
    case 'minimum': return [wg.minimum(a!, b!)];
    case 'eq': case 'ne': case 'lt': case 'le': case 'gt': case 'ge':
      return [(wg[op] as (p: Tensor, q: Tensor) => Tensor)(a!, b!)];
    case 'where': return [wg.where(a!, b!, c!)];
    case 'to': return [wg.to(a!, kw.dtype as wg.DTypeName)];
    case 'gelu': return [wg.gelu(a!, { approximate: kw.approximate as 'none' | 'tanh' })];
    case 'clamp': return [wg.clamp(a!, kw.min as number | undefined, kw.max as number | undefined)];
    case 'neg': case 'exp': case 'log': case 'sqrt': case 'rsqrt': case 'abs': case 'relu': case 'sigmoid': case 'tanh':
      return [(wg[op] as (p: Tensor) => Tensor)(a!)];
    case 'sum': case 'mean': case 'amax': case 'amin':
      return [(wg[op] as (p: Tensor, d: unknown, o: unknown) => Tensor)(a!, dimsOf(kw), { keepdim: kw.keepdim as boolean | undefined })];
    case 'max': case 'min': {
      const r = wg[op](a!, kw.dim as number, kw.keepdim as boolean | undefined);
      return [r.values, r.indices];
    }
    case 'argmax': case 'argmin':
      return [wg[op](a!, kw.dim as number | null | undefined, { keepdim: kw.keepdim as boolean | undefined })];
    case 'var': case 'std':
      return [(op === 'var' ? wg.variance : wg.std)(a!, dimsOf(kw), { correction: kw.correction as number | undefined, keepdim: kw.keepdim as boolean | undefined })];
    case 'matmul': return [wg.matmul(a!, b!)];
    case 'softmax': return [wg.softmax(a!, kw.dim as number)];
    case 'logSoftmax': return [wg.logSoftmax(a!, kw.dim as number)];
    case 'crossEntropy': return [wg.crossEntropy(a!, b!, { reduction: kw.reduction as 'mean' | 'sum' | 'none' | undefined })];
    case 'gather': return [wg.gather(a!, kw.dim as number, b!)];
    case 'indexSelect': return [wg.indexSelect(a!, kw.dim as number, b!)];
    case 'scatterAdd': return [wg.scatterAdd(a!, kw.dim as number, b!, c!)];
    case 'cat': return [wg.cat(x, kw.dim as number)];
    case 'stack': return [wg.stack(x, kw.dim as number)];
    case 'oneHot': return [wg.oneHot(a!, kw.numClasses as number)];
    default: throw new Error(`fixture: no runner for op '${op}'`);
  }
}

/** Runs one case: forward outputs, then backward with the fixture's upstream gradients. */
export async function checkCase(c: FixtureCase): Promise<void> {
  const tol = { atol: c.atol, rtol: c.rtol };
  const bases = c.inputs.map((f) => toTensor(f, Boolean(f.requiresGrad)));
  const inputs = bases.map((t, i) => (c.inputs[i]!.view ?? []).reduce(applyView, t));
  const outputs = runOp(c.op, inputs, c.kwargs ?? {});
  expect(outputs.length).toBeGreaterThanOrEqual(c.outputs.length);
  for (let i = 0; i < c.outputs.length; i++) {
    const want = c.outputs[i]!;
    expect([...outputs[i]!.shape], `${c.name}: output ${i} shape`).toEqual(want.shape);
    expect(outputs[i]!.dtype, `${c.name}: output ${i} dtype`).toBe(want.dtype);
    closeEnough(await outputs[i]!.data(), want.data, tol, `${c.name}: output ${i}`);
  }
  if (c.grads && c.gradOutputs) {
    const differentiable = outputs.filter((_, i) => c.gradOutputs![i]);
    const seeds = c.gradOutputs.filter((g): g is FixtureTensor => g !== null).map((g) => toTensor(g));
    // Several differentiable outputs: backward of Σ⟨out_i, seed_i⟩ gives the same gradients.
    if (differentiable.length === 1) differentiable[0]!.backward(seeds[0]);
    else wg.stack(differentiable.map((o, i) => o.mul(seeds[i]!).sum())).sum().backward();
    for (let i = 0; i < c.grads.length; i++) {
      const want = c.grads[i];
      if (!want) continue;
      const got = bases[i]!.grad;
      expect(got, `${c.name}: input ${i} has no gradient`).not.toBeNull();
      expect([...got!.shape], `${c.name}: grad ${i} shape`).toEqual(want.shape);
      closeEnough(await got!.data(), want.data, tol, `${c.name}: grad ${i}`);
    }
  }
  for (const t of [...bases, ...inputs, ...outputs]) t.dispose();
}
