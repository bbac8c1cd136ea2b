// F.batch_norm over [N, C, *] (BatchNorm1d/2d/3d), forward and backward, on the kernels
// of shaders/batchnorm.wgsl:
//   training: per-channel batch mean and biased var (one partial-sum pass + a per-channel
//             fold), running stats updated in place with momentum (running var unbiased,
//             n/(n−1), as PyTorch), then y = x·scale + shift in one pass.
//   eval:     scale/shift from the running stats (batchNormScaleShift: the seam for folding
//             BN into the preceding conv at inference), then the same pass.
// Backward (x̂ = (x − mean)·invstd, n = N·S per channel):
//   dbias = Σ g,  dweight = Σ g·x̂,
//   dx = w·invstd·(g − Σg/n − x̂·Σg·x̂/n)   training (the statistics depend on x)
//   dx = w·invstd·g                        eval
// both as one pass dx = A·g + B·x + C0 with per-channel A, B, C0.
// batchNormAct, y = relu(bn(x) + residual): the same passes with g replaced by
// h = g·[y > 0] (the mask read off the saved output, which the next layer keeps anyway);
// dresidual = h. Saved: x, the channel table and y — nothing the unfused chain would not keep.

import { attach } from '../autograd/record.js';
import {
  type AffineLocs, type BnDims, bnParts, bnVectorWidth, launchBnApply, launchBnApplyEpilogue, launchBnFinalizeEval, launchBnFinalizeTrain,
  launchBnGradFinalize, launchBnPartial, type Loc,
} from '../kernels/batchnorm.js';
import { fmt, numel, sameShape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { assertFloat, mapInPlace } from './core.js';
import { contiguous } from './views.js';

export interface BatchNormOptions {
  training?: boolean;
  momentum?: number;
  eps?: number;
}

const loc = (t: Tensor): Loc => ({ buffer: t.storage.buffer, offset: t.offset });
const affineLocs = (weight: Tensor | null, bias: Tensor | null): AffineLocs => ({
  ...(weight ? { weight: loc(weight) } : {}),
  ...(bias ? { bias: loc(bias) } : {}),
});

// Rows of the channel table chan [5, C] and of the gradient table [5, C].
const row = { mean: 0, invstd: 1, scale: 2, shift: 3, var: 4 } as const;
const gradRow = { a: 0, b: 1, c0: 2, dweight: 3, dbias: 4, mean: 5 } as const;
const rowOf = (table: Tensor, C: number, r: number) => table.viewOf([C], [1], table.offset + r * C);

function checkParam(t: Tensor | null, name: string, C: number, input: Tensor, op: string): void {
  if (!t) return;
  t.assertAlive(op);
  if (t.rank !== 1 || t.shape[0] !== C) {
    throw new Error(`${op}: ${name} must be [${C}] for input ${fmt(input.shape)} (C = ${C}), got ${fmt(t.shape)}`);
  }
  if (!t.isContiguous()) throw new Error(`${op}: ${name} must be contiguous; call contiguous() first`);
}

function dimsOf(input: Tensor): BnDims {
  return { N: input.shape[0]!, C: input.shape[1]!, S: numel(input.shape.slice(2)) };
}

/**
 * Per-channel scale and shift of eval-mode batch norm: y = x·scale + shift with
 * scale = weight / sqrt(runningVar + eps), shift = bias − runningMean·scale. No gradient.
 */
export function batchNormScaleShift(runningMean: Tensor, runningVar: Tensor, weight: Tensor | null, bias: Tensor | null, eps = 1e-5): { scale: Tensor; shift: Tensor } {
  const C = runningMean.shape[0] ?? 0;
  const chan = evalTable(runningMean, runningVar, weight, bias, eps, C);
  const out = { scale: rowOf(chan, C, row.scale), shift: rowOf(chan, C, row.shift) };
  chan.dispose();
  return out;
}

function evalTable(runningMean: Tensor, runningVar: Tensor, weight: Tensor | null, bias: Tensor | null, eps: number, C: number): Tensor {
  const chan = Tensor.empty([5, C]);
  launchBnFinalizeEval(loc(runningMean), loc(runningVar), C, eps, affineLocs(weight, bias), chan.storage.buffer);
  return chan;
}

/** Training statistics of x (contiguous [N, C, S]) into a channel table; updates running stats. */
function trainTable(x: Tensor, d: BnDims, weight: Tensor | null, bias: Tensor | null, eps: number): Tensor {
  const v = bnVectorWidth(d, [x.offset]);
  const partials = Tensor.empty([d.C * bnParts(d, v).parts, 2]);
  const parts = launchBnPartial(loc(x), d, partials.storage.buffer);
  const chan = Tensor.empty([5, d.C]);
  launchBnFinalizeTrain(partials.storage.buffer, parts, loc(x), d, eps, affineLocs(weight, bias), chan.storage.buffer);
  partials.dispose();
  return chan;
}

function updateRunning(running: Tensor, batch: Tensor, momentum: number, factor: number): void {
  mapInPlace('batchnorm_running', 'a * (1.0 - s0) + b * (s0 * s1)', running, [batch], [momentum, factor]);
}

export function batchNorm(input: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, weight: Tensor | null, bias: Tensor | null,
  options: BatchNormOptions = {}): Tensor {
  return normalize('batchNorm', input, runningMean, runningVar, weight, bias, options, { relu: false });
}

export interface BatchNormActOptions extends BatchNormOptions {
  /** Added to the normalized x before the relu (a residual block's shortcut); x's shape. */
  residual?: Tensor;
  /** Default true. */
  relu?: boolean;
}

/**
 * relu(batch_norm(x) + residual) — PyTorch's `F.relu(F.batch_norm(x, …) + residual)` — with the add
 * and the relu inside batch norm's one normalizing pass, and backward's relu mask (y > 0, from the
 * saved output) inside its two passes: no relu / add / relu_grad kernels, no saved intermediates.
 */
export function batchNormAct(input: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, weight: Tensor | null, bias: Tensor | null,
  options: BatchNormActOptions = {}): Tensor {
  const residual = options.residual ?? null;
  if (residual) {
    residual.assertAlive('batchNormAct');
    if (!sameShape(residual.shape, input.shape)) {
      throw new Error(`batchNormAct: residual ${fmt(residual.shape)} must have the input's shape ${fmt(input.shape)} (no broadcasting)`);
    }
    assertFloat(residual, 'batchNormAct');
  }
  return normalize('batchNormAct', input, runningMean, runningVar, weight, bias, options, { residual, relu: options.relu ?? true });
}

interface Epilogue {
  residual?: Tensor | null;
  relu: boolean;
}

function normalize(op: string, input: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, weight: Tensor | null, bias: Tensor | null,
  options: BatchNormOptions, epilogue: Epilogue): Tensor {
  input.assertAlive(op);
  assertFloat(input, op);
  const training = options.training ?? false;
  const momentum = options.momentum ?? 0.1;
  const eps = options.eps ?? 1e-5;
  if (input.rank < 2) throw new Error(`${op}: input must be [N, C] or [N, C, ...], got ${fmt(input.shape)}`);
  const d = dimsOf(input);
  for (const [t, name] of [[runningMean, 'runningMean'], [runningVar, 'runningVar'], [weight, 'weight'], [bias, 'bias']] as const) {
    checkParam(t, name, d.C, input, op);
  }
  if ((runningMean === null) !== (runningVar === null)) {
    throw new Error(`${op}: pass both runningMean and runningVar, or neither`);
  }
  const n = d.N * d.S;
  if (!training && (!runningMean || !runningVar)) {
    throw new Error(`${op}: eval mode needs runningMean and runningVar (input ${fmt(input.shape)}); pass { training: true } to use batch statistics`);
  }
  if (training && n <= 1) {
    throw new Error(`${op}: expected more than 1 value per channel when training, got input ${fmt(input.shape)}`);
  }
  const x = contiguous(input);
  let chan: Tensor;
  if (training) {
    chan = trainTable(x, d, weight, bias, eps);
    if (runningMean && runningVar) {
      const mean = rowOf(chan, d.C, row.mean);
      const variance = rowOf(chan, d.C, row.var);
      updateRunning(runningMean, mean, momentum, 1);
      updateRunning(runningVar, variance, momentum, n / (n - 1));
      mean.dispose();
      variance.dispose();
    }
  } else {
    chan = evalTable(runningMean!, runningVar!, weight, bias, eps, d.C);
  }
  const residual = epilogue.residual ? contiguous(epilogue.residual) : null;
  const out = Tensor.empty(input.shape);
  const rows = { scale: chan.offset + row.scale * d.C, shift: chan.offset + row.shift * d.C };
  if (residual || epilogue.relu) {
    launchBnApplyEpilogue(loc(x), d, chan.storage.buffer, rows, { ...(residual ? { residual: loc(residual) } : {}), relu: epilogue.relu }, out.storage.buffer);
  } else {
    launchBnApply(loc(x), undefined, d, chan.storage.buffer, [rows.scale, 0, rows.shift], out.storage.buffer);
  }
  residual?.dispose();

  // Backward (see the header); with relu, g is first masked by the saved output y > 0 (the
  // grad_relu partial pass writes the masked g, h, which is also the residual's gradient).
  const inputs = [input, ...(weight ? [weight] : []), ...(bias ? [bias] : []), ...(epilogue.residual ? [epilogue.residual] : [])];
  const name = epilogue.relu || epilogue.residual ? 'BatchNormActBackward' : 'BatchNormBackward';
  const result = attach(out, name, inputs, (g, [xs, table, y]) => {
    const gc = contiguous(g);
    const v = bnVectorWidth(d, [xs!.offset, gc.offset, ...(y ? [y.offset] : [])]);
    const partials = Tensor.empty([d.C * bnParts(d, v).parts, 2]);
    const h = y ? Tensor.empty(input.shape) : gc;
    const parts = launchBnPartial(loc(xs!), d, partials.storage.buffer, {
      g: loc(gc), chan: { buffer: table!.storage.buffer, offset: table!.offset + row.mean * d.C },
      ...(y ? { relu: { y: loc(y), h: h.storage.buffer } } : {}),
    });
    const gradTable = Tensor.empty([6, d.C]);
    launchBnGradFinalize(partials.storage.buffer, parts, table!.storage.buffer, d, training, gradTable.storage.buffer);
    partials.dispose();
    let dx: Tensor | null = null;
    if (input.requiresGrad) {
      dx = Tensor.empty(input.shape);
      launchBnApply(loc(h), loc(xs!), d, gradTable.storage.buffer, [gradRow.a * d.C, gradRow.b * d.C, gradRow.c0 * d.C, gradRow.mean * d.C], dx.storage.buffer);
    }
    const grads: Array<Tensor | null> = [dx];
    if (weight) grads.push(weight.requiresGrad ? rowOf(gradTable, d.C, gradRow.dweight) : null);
    if (bias) grads.push(bias.requiresGrad ? rowOf(gradTable, d.C, gradRow.dbias) : null);
    if (epilogue.residual) grads.push(epilogue.residual.requiresGrad ? h.viewOf(h.shape, h.strides) : null);
    gradTable.dispose();
    if (h !== gc) h.dispose();
    gc.dispose();
    return grads;
  }, epilogue.relu ? [x, chan, out] : [x, chan]);
  x.dispose();
  chan.dispose();
  return result;
}
