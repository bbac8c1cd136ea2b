// Losses with PyTorch's F.* semantics: nll_loss, cross_entropy (class-index targets,
// class weights, ignore_index, label smoothing) and mse_loss. Each is a short composition
// of differentiable ops (log_softmax, gather, elementwise, sums), so its backward is the
// chain of theirs; the formulas below are the forward, the derivative follows.
//
//   nll:   ℓᵢ = −w[tᵢ]·logp[i, tᵢ]  (0 where tᵢ = ignoreIndex)
//          mean = Σℓᵢ / Σ w[tᵢ] over non-ignored i (PyTorch's weighted mean)
//   cross_entropy with label smoothing ε over C classes (aten's
//   cross_entropy_loss_label_smoothing): (1−ε)·nll + ε/C · smooth, where
//          smoothᵢ = −Σ_c w[c]·logp[i, c] (0 where ignored), reduced with nll's denominator.
//
// A target outside [0, C) that is not ignoreIndex is an error, as in PyTorch, but it is found
// on the GPU: checking on the host would read the targets back — a GPU sync per loss, one
// more stall per training step. The gather that picks logp[i, tᵢ] checks every target, makes
// the loss NaN (never a plausible number) and the next readback (`await loss.item()`,
// synchronize()) throws `crossEntropy: target 5 is out of bounds for 3 classes (logits [4,3])…`
// (engine/kernels/index-faults.ts).

import { coordsOf, type FaultMessage } from '../kernels/index-faults.js';
import { fmt } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { add, div, mul, mulScalar, ne, sub, where } from './binary.js';
import { assertFloat, mapNew } from './core.js';
import { gatherWith, indexSelectWith } from './indexing.js';
import { mean, sum } from './reduce.js';
import { logSoftmax } from './softmax.js';
import { neg, square } from './unary.js';
import { detach, reshape, unsqueeze } from './views.js';

export type Reduction = 'mean' | 'sum' | 'none';

export interface NllLossOptions {
  /** Per-class weights [C] (no gradient, as in PyTorch). */
  weight?: Tensor | null;
  ignoreIndex?: number;
  reduction?: Reduction;
}

export interface CrossEntropyOptions extends NllLossOptions {
  labelSmoothing?: number;
}

/** Disposes the listed temporaries and passes `value` through. */
function using<T>(temps: Tensor[], value: T): T {
  for (const t of temps) t.dispose();
  return value;
}

function checkTargets(op: string, input: Tensor, target: Tensor, weight: Tensor | null | undefined): number {
  input.assertAlive(op);
  target.assertAlive(op);
  assertFloat(input, op);
  if (target.dtype !== 'int32') {
    throw new Error(`${op}: target must hold class indices as int32, got ${target.dtype} ${fmt(target.shape)}; convert with .to('int32')`);
  }
  const expected = input.rank === 1 ? [] : [input.shape[0]!, ...input.shape.slice(2)];
  if (input.rank < 1 || target.rank !== expected.length || target.shape.some((s, i) => s !== expected[i])) {
    const what = op === 'nllLoss' ? 'log-probabilities' : 'logits';
    throw new Error(`${op}: ${what} ${fmt(input.shape)} need a target of shape ${fmt(expected)}, got ${fmt(target.shape)}`);
  }
  const classes = input.shape[input.rank === 1 ? 0 : 1]!;
  if (weight) {
    weight.assertAlive(op);
    if (weight.rank !== 1 || weight.shape[0] !== classes) {
      throw new Error(`${op}: weight must have one entry per class, [${classes}], got ${fmt(weight.shape)} (input ${fmt(input.shape)})`);
    }
  }
  return classes;
}

/** The error a target outside [0, classes) raises at the next readback; `first` is its position in the target. */
function badTarget(op: string, input: Tensor, target: Tensor, classes: number, ignoreIndex: number): FaultMessage {
  const [inputShape, targetShape] = [input.shape, target.shape];
  const what = op === 'nllLoss' ? 'log-probabilities' : 'logits';
  return (f) => {
    const where = targetShape.length === 0 ? 'target' : `target[${coordsOf(targetShape, f.first).join(',')}]`;
    const values = f.count === 1
      ? `target ${f.min} is`
      : `${f.count} targets (${f.min === f.max ? f.min : `${f.min} to ${f.max}`}) are`;
    return `${op}: ${values} out of bounds for ${classes} classes (${what} ${fmt(inputShape)}), ` +
      `${f.count === 1 ? 'at' : 'the first at'} ${where}; targets must be class indices in [0, ${classes}) or ignoreIndex (${ignoreIndex})`;
  };
}

interface Picked {
  /** −w[t]·logp[t] per item, 0 where ignored (target's shape). */
  perItem: Tensor;
  /** w[t] per item, 0 where ignored: the weighted mean's denominator terms. */
  itemWeight: Tensor;
  valid: Tensor;
}

function pick(logp: Tensor, target: Tensor, weight: Tensor | null | undefined, ignoreIndex: number, badIndex: FaultMessage): Picked {
  const classDim = logp.rank === 1 ? 0 : 1;
  const valid = ne(target, ignoreIndex);
  // Ignored targets (usually −100) would index out of range: read class 0 and mask it out.
  const safe = where(valid, target, 0);
  // A size-1 class dim inserted: positions in idx are positions in target.
  const idx = unsqueeze(safe, classDim);
  const gathered = gatherWith(logp, classDim, idx, badIndex);
  const logpAtTarget = reshape(gathered, target.shape);
  let itemWeight: Tensor;
  if (weight) {
    const w = detach(weight);
    const flat = reshape(safe, [safe.numel]);
    const picked = indexSelectWith(w, 0, flat, badIndex);
    const shaped = reshape(picked, target.shape);
    itemWeight = where(valid, shaped, 0);
    for (const t of [w, flat, picked, shaped]) t.dispose();
  } else {
    itemWeight = mapNew('valid_weight', 'select(0.0, 1.0, a != 0u)', [valid], valid.shape, 'float32');
  }
  const weighted = mul(logpAtTarget, itemWeight);
  const perItem = neg(weighted);
  for (const t of [safe, idx, gathered, logpAtTarget, weighted]) t.dispose();
  return { perItem, itemWeight, valid };
}

function reduce(perItem: Tensor, itemWeight: Tensor, reduction: Reduction, op: string): Tensor {
  // A new differentiable handle: the caller disposes perItem itself.
  if (reduction === 'none') return reshape(perItem, perItem.shape);
  if (reduction === 'sum') return sum(perItem);
  if (reduction !== 'mean') throw new Error(`${op}: reduction must be 'mean', 'sum' or 'none', got '${String(reduction)}'`);
  const total = sum(perItem);
  const denominator = sum(itemWeight);
  return using([total, denominator], div(total, denominator));
}

/** F.nll_loss(logProbs [N,C,…] or [C], target int32 [N,…] or []). */
export function nllLoss(logProbs: Tensor, target: Tensor, options: NllLossOptions = {}): Tensor {
  const classes = checkTargets('nllLoss', logProbs, target, options.weight);
  const ignoreIndex = options.ignoreIndex ?? -100;
  const badIndex = badTarget('nllLoss', logProbs, target, classes, ignoreIndex);
  const { perItem, itemWeight, valid } = pick(logProbs, target, options.weight, ignoreIndex, badIndex);
  return using([perItem, itemWeight, valid], reduce(perItem, itemWeight, options.reduction ?? 'mean', 'nllLoss'));
}

/** F.cross_entropy(logits [N,C,…] or [C], class indices int32 [N,…] or []). */
export function crossEntropy(logits: Tensor, target: Tensor, options: CrossEntropyOptions = {}): Tensor {
  const classes = checkTargets('crossEntropy', logits, target, options.weight);
  const smoothing = options.labelSmoothing ?? 0;
  if (!(smoothing >= 0 && smoothing <= 1)) throw new Error(`crossEntropy: labelSmoothing must be in [0, 1], got ${smoothing}`);
  const reduction = options.reduction ?? 'mean';
  const classDim = logits.rank === 1 ? 0 : 1;
  const logp = logSoftmax(logits, classDim);
  const ignoreIndex = options.ignoreIndex ?? -100;
  const badIndex = badTarget('crossEntropy', logits, target, classes, ignoreIndex);
  const { perItem, itemWeight, valid } = pick(logp, target, options.weight, ignoreIndex, badIndex);
  const temps = [logp, perItem, itemWeight, valid];
  const nll = reduce(perItem, itemWeight, reduction, 'crossEntropy');
  if (smoothing === 0) return using(temps, nll);
  // smoothᵢ = −Σ_c w[c]·logp[i, c], zero where the target is ignored.
  let weighted = logp;
  if (options.weight) {
    const w = detach(options.weight);
    const shaped = reshape(w, logp.shape.map((s, d) => (d === classDim ? s : 1)));
    weighted = mul(logp, shaped);
    temps.push(w, shaped, weighted);
  }
  const classSum = sum(weighted, classDim);
  const masked = where(valid, classSum, 0);
  const smoothItem = neg(masked);
  temps.push(classSum, masked, smoothItem);
  const smooth = reduce(smoothItem, itemWeight, reduction, 'crossEntropy');
  const a = mulScalar(nll, 1 - smoothing);
  const b = mulScalar(smooth, smoothing / classes);
  temps.push(nll, smooth, a, b);
  return using(temps, add(a, b));
}

/** F.mse_loss(input, target): mean/sum/none of (input − target)², broadcasting as PyTorch. */
export function mseLoss(input: Tensor, target: Tensor, options: { reduction?: Reduction } = {}): Tensor {
  input.assertAlive('mseLoss');
  target.assertAlive('mseLoss');
  const reduction = options.reduction ?? 'mean';
  if (!['mean', 'sum', 'none'].includes(reduction)) throw new Error(`mseLoss: reduction must be 'mean', 'sum' or 'none', got '${reduction}'`);
  const diff = sub(input, target);
  const sq = square(diff);
  diff.dispose();
  if (reduction === 'none') return sq;
  return using([sq], reduction === 'sum' ? sum(sq) : mean(sq));
}
