// F.linear(input [..., in], weight [out, in], bias [out]?) = input·weightᵀ + bias.
// The weight is read transposed in place by matmul (no copy); leading dims of the input
// are folded into one M dimension so the whole batch is one matrix product. Backward is
// matmul's (dX = g·W, dW = gᵀ·X through the transposed view) plus the bias sum.

import { fmt } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { add } from './binary.js';
import { matmul } from './matmul.js';
import { reshape, transpose } from './views.js';

export function linear(input: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  input.assertAlive('linear');
  weight.assertAlive('linear');
  if (weight.rank !== 2) throw new Error(`linear: weight must be [out, in], got ${fmt(weight.shape)}`);
  const [outFeatures, inFeatures] = weight.shape as [number, number];
  if (input.rank < 1 || input.shape[input.rank - 1] !== inFeatures) {
    throw new Error(`linear: input has ${input.shape[input.rank - 1] ?? 0} features but weight expects ${inFeatures} (input ${fmt(input.shape)}, weight ${fmt(weight.shape)})`);
  }
  if (bias) {
    bias.assertAlive('linear');
    if (bias.rank !== 1 || bias.shape[0] !== outFeatures) {
      throw new Error(`linear: bias must be [${outFeatures}] for weight ${fmt(weight.shape)}, got ${fmt(bias.shape)}`);
    }
  }
  const wt = transpose(weight, 0, 1);
  const lead = input.shape.slice(0, -1);
  const rows = input.rank > 2 ? reshape(input, [-1, inFeatures]) : input;
  const product = matmul(rows, wt);
  wt.dispose();
  if (rows !== input) rows.dispose();
  const shaped = input.rank > 2 ? reshape(product, [...lead, outFeatures]) : product;
  if (shaped !== product) product.dispose();
  if (!bias) return shaped;
  const out = add(shaped, bias);
  shaped.dispose();
  return out;
}
