// How ops put themselves on the tape: attach(out, name, inputs, backward, saved).

import { keep } from '../tensor/memory.js';
import type { Tensor } from '../tensor/tensor.js';
import { isGradEnabled } from './grad-mode.js';
import { type BackwardFn, type Edge, GradNode } from './node.js';

export function needsGrad(inputs: readonly Tensor[]): boolean {
  return isGradEnabled() && inputs.some((t) => t.requiresGrad);
}

/**
 * Makes `out` the result of a differentiable op when any input requires grad. `saved`
 * tensors are retained (new handles outside tidy scopes) until backward frees them or
 * nothing can reach the node any more.
 */
export function attach(out: Tensor, name: string, inputs: readonly Tensor[], backward: BackwardFn, saved: readonly Tensor[] = []): Tensor {
  if (!needsGrad(inputs)) return out;
  const edges: Edge[] = inputs.map((t) => (!t.requiresGrad ? null : t.gradFn ? { node: t.gradFn } : { leaf: t }));
  const retained = saved.map((t) => keep(t.viewOf(t.shape, t.strides)));
  const node = new GradNode(name, edges, retained, backward);
  out.requiresGrad = true;
  out.gradFn = node;
  node.refs++;
  return out;
}
