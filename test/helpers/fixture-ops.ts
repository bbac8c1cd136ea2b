// How each fixture op ("op" in test/fixtures/{core,conv,nn}/*.json) runs in webgrad: the case's
// (viewed) input tensors and kwargs → its outputs in fixture order. One table for the Node tests
// and the browser fixture page alike, so both run every family the same way. No Node or vitest
// imports. A test file can add its own with registerOps (fixture-case.ts).

import * as wg from '../../engine/index.js';
import type { Tensor } from '../../engine/index.js';

export type Kw = Record<string, unknown>;

/** Runs a fixture op: the (viewed) input tensors and the kwargs → outputs in fixture order. */
export type OpRunner = (inputs: Tensor[], kwargs: Kw) => Tensor[];

type Pair = number | [number, number];
const dimsOf = (kw: Kw) => kw.dim as number | number[] | null | undefined;
const keepdim = (kw: Kw) => ({ keepdim: kw.keepdim as boolean | undefined });
const unary = (f: (a: Tensor) => Tensor): OpRunner => ([a]) => [f(a!)];
const binary = (f: (a: Tensor, b: Tensor) => Tensor): OpRunner => ([a, b]) => [f(a!, b!)];
const reduction = (f: (a: Tensor, d: wg.Dims | null | undefined, o: wg.ReduceOptions) => Tensor): OpRunner =>
  ([a], kw) => [f(a!, dimsOf(kw), keepdim(kw))];

// core/: elementwise, reduction, matmul, indexing, softmax (generate_core.py).
const coreOps: Record<string, OpRunner> = {
  add: ([a, b], kw) => [wg.add(a!, (kw.scalar as number | undefined) ?? b!, { alpha: kw.alpha as number | undefined })],
  sub: ([a, b], kw) => [wg.sub(a!, (kw.scalar as number | undefined) ?? b!, { alpha: kw.alpha as number | undefined })],
  mul: ([a, b], kw) => [wg.mul(a!, (kw.scalar as number | undefined) ?? b!)],
  div: ([a, b], kw) => [wg.div(a!, (kw.scalar as number | undefined) ?? b!)],
  pow: ([a, b], kw) => [wg.pow(a!, (kw.exponent as number | undefined) ?? b!)],
  maximum: binary(wg.maximum), minimum: binary(wg.minimum),
  eq: binary(wg.eq), ne: binary(wg.ne), lt: binary(wg.lt), le: binary(wg.le), gt: binary(wg.gt), ge: binary(wg.ge),
  where: ([a, b, c]) => [wg.where(a!, b!, c!)],
  to: ([a], kw) => [wg.to(a!, kw.dtype as wg.DTypeName)],
  gelu: ([a], kw) => [wg.gelu(a!, { approximate: kw.approximate as 'none' | 'tanh' })],
  clamp: ([a], kw) => [wg.clamp(a!, kw.min as number | undefined, kw.max as number | undefined)],
  neg: unary(wg.neg), exp: unary(wg.exp), log: unary(wg.log), sqrt: unary(wg.sqrt), rsqrt: unary(wg.rsqrt),
  abs: unary(wg.abs), relu: unary(wg.relu), sigmoid: unary(wg.sigmoid), tanh: unary(wg.tanh),
  sum: reduction(wg.sum), mean: reduction(wg.mean), amax: reduction(wg.amax), amin: reduction(wg.amin),
  max: ([a], kw) => {
    const r = wg.max(a!, kw.dim as number, kw.keepdim as boolean | undefined);
    return [r.values, r.indices];
  },
  min: ([a], kw) => {
    const r = wg.min(a!, kw.dim as number, kw.keepdim as boolean | undefined);
    return [r.values, r.indices];
  },
  argmax: ([a], kw) => [wg.argmax(a!, kw.dim as number | null | undefined, keepdim(kw))],
  argmin: ([a], kw) => [wg.argmin(a!, kw.dim as number | null | undefined, keepdim(kw))],
  var: ([a], kw) => [wg.variance(a!, dimsOf(kw), { correction: kw.correction as number | undefined, ...keepdim(kw) })],
  std: ([a], kw) => [wg.std(a!, dimsOf(kw), { correction: kw.correction as number | undefined, ...keepdim(kw) })],
  matmul: binary(wg.matmul),
  softmax: ([a], kw) => [wg.softmax(a!, kw.dim as number)],
  logSoftmax: ([a], kw) => [wg.logSoftmax(a!, kw.dim as number)],
  gather: ([a, b], kw) => [wg.gather(a!, kw.dim as number, b!)],
  indexSelect: ([a, b], kw) => [wg.indexSelect(a!, kw.dim as number, b!)],
  scatterAdd: ([a, b, c], kw) => [wg.scatterAdd(a!, kw.dim as number, b!, c!)],
  cat: (x, kw) => [wg.cat(x, kw.dim as number)],
  stack: (x, kw) => [wg.stack(x, kw.dim as number)],
  oneHot: ([a], kw) => [wg.oneHot(a!, kw.numClasses as number)],
};

// conv/: conv2d and pooling (generate_conv.py).
const convOptions = (kw: Kw): wg.Conv2dOptions => ({
  stride: kw.stride as wg.Conv2dOptions['stride'],
  padding: kw.padding as wg.Conv2dOptions['padding'],
  dilation: kw.dilation as wg.Conv2dOptions['dilation'],
  groups: kw.groups as number | undefined,
});
const maxOptions = (kw: Kw): wg.MaxPool2dOptions => ({
  kernelSize: kw.kernelSize as Pair, stride: kw.stride as Pair | undefined, padding: kw.padding as Pair | undefined,
  dilation: kw.dilation as Pair | undefined, ceilMode: kw.ceilMode as boolean | undefined,
});
const convOps: Record<string, OpRunner> = {
  conv2d: ([x, w, b], kw) => [wg.conv2d(x!, w!, b ?? null, convOptions(kw))],
  maxPool2d: ([x], kw) => [wg.maxPool2d(x!, maxOptions(kw))],
  maxPool2dWithIndices: ([x], kw) => {
    const { values, indices } = wg.maxPool2dWithIndices(x!, maxOptions(kw));
    return [values, indices];
  },
  avgPool2d: ([x], kw) => [wg.avgPool2d(x!, {
    ...maxOptions(kw), countIncludePad: kw.countIncludePad as boolean | undefined,
    divisorOverride: kw.divisorOverride as number | undefined,
  })],
  adaptiveAvgPool2d: ([x], kw) => [wg.adaptiveAvgPool2d(x!, kw.outputSize as Pair)],
};

// nn/: batch_norm, lstm, losses, linear (generate_nn.py).

/** Fixture inputs [x, h0?, c0?, per layer weight_ih, weight_hh, (bias_ih, bias_hh)] → lstm's arguments. */
function lstmArguments(xs: Tensor[], kw: Kw): { x: Tensor; layers: wg.LstmLayer[]; options: wg.LstmOptions } {
  const [x, ...rest] = xs;
  const options: wg.LstmOptions = { batchFirst: kw.batchFirst as boolean };
  if (kw.states) {
    options.h0 = rest.shift()!;
    options.c0 = rest.shift()!;
  }
  const layers: wg.LstmLayer[] = [];
  for (let l = 0; l < (kw.numLayers as number); l++) {
    const [weightIh, weightHh] = [rest.shift()!, rest.shift()!];
    layers.push(kw.bias ? { weightIh, weightHh, biasIh: rest.shift()!, biasHh: rest.shift()! } : { weightIh, weightHh });
  }
  return { x: x!, layers, options };
}
// core/softmax's crossEntropy cases pass only a reduction; nn/loss's add the rest.
const lossOptions = (xs: Tensor[], kw: Kw) => ({
  reduction: kw.reduction as wg.Reduction,
  ...(kw.weighted ? { weight: xs[2]! } : {}),
  ...(kw.ignoreIndex !== undefined ? { ignoreIndex: kw.ignoreIndex as number } : {}),
});
const nnOps: Record<string, OpRunner> = {
  batchNorm: (xs, kw) => {
    const [x, ...rest] = xs;
    const [rm, rv] = kw.running ? [rest.shift()!, rest.shift()!] : [null, null];
    const [w, b] = kw.affine ? [rest.shift()!, rest.shift()!] : [null, null];
    const y = wg.batchNorm(x!, rm, rv, w, b, { training: kw.training as boolean, momentum: kw.momentum as number, eps: kw.eps as number });
    return rm && rv ? [y, rm, rv] : [y];
  },
  lstm: (xs, kw) => {
    const { x, layers, options } = lstmArguments(xs, kw);
    const r = wg.lstm(x, layers, options);
    return [r.output, r.hN, r.cN];
  },
  crossEntropy: (xs, kw) => [wg.crossEntropy(xs[0]!, xs[1]!, { ...lossOptions(xs, kw), labelSmoothing: kw.labelSmoothing as number | undefined })],
  nllLoss: (xs, kw) => [wg.nllLoss(xs[0]!, xs[1]!, lossOptions(xs, kw))],
  mseLoss: (xs, kw) => {
    const [a, b] = kw.transposed ? [xs[0]!.transpose(0, 1), xs[1]!.transpose(0, 1)] : [xs[0]!, xs[1]!];
    return [wg.mseLoss(a, b, { reduction: kw.reduction as wg.Reduction })];
  },
  linear: (xs, kw) => [wg.linear(xs[0]!, xs[1]!, kw.bias ? xs[2]! : null)],
};

/** Every op the committed fixtures name. */
export const fixtureOps: Readonly<Record<string, OpRunner>> = { ...coreOps, ...convOps, ...nnOps };
