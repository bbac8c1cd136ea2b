// The reverse pass: topological order over the nodes reachable from the root, each
// node's backward run once with the sum of the gradients flowing into it, leaf gradients
// accumulated into `.grad` (and the gradient of a non-leaf that asked for it with
// retainGrad(), as a copy). Every intermediate gradient is disposed as soon as it is used.

import { withProfileScope } from '../kernels/profile.js';
import { keep } from '../tensor/memory.js';
import { fmt, sameShape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { noGrad } from './grad-mode.js';
import type { GradNode } from './node.js';

export interface BackwardOptions {
  /** Keep saved tensors so backward can run through the graph again. */
  retainGraph?: boolean;
}

/** Hooks the ops layer provides (avoids importing ops from autograd). */
export interface GradMath {
  onesLike(t: Tensor): Tensor;
  add(a: Tensor, b: Tensor): Tensor;
  addInPlace(target: Tensor, value: Tensor): void;
  clone(t: Tensor): Tensor;
}

let math: GradMath | undefined;
export function setGradMath(m: GradMath): void {
  math = m;
}

function topoOrder(root: GradNode): { order: GradNode[]; deps: Map<GradNode, number> } {
  const deps = new Map<GradNode, number>([[root, 0]]);
  const stack = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    for (const edge of node.edges) {
      if (!edge || !('node' in edge)) continue;
      const seen = deps.has(edge.node);
      deps.set(edge.node, (deps.get(edge.node) ?? 0) + 1);
      if (!seen) stack.push(edge.node);
    }
  }
  const remaining = new Map(deps);
  const order: GradNode[] = [];
  const ready = [root];
  while (ready.length > 0) {
    const node = ready.pop()!;
    order.push(node);
    for (const edge of node.edges) {
      if (!edge || !('node' in edge)) continue;
      const left = remaining.get(edge.node)! - 1;
      remaining.set(edge.node, left);
      if (left === 0) ready.push(edge.node);
    }
  }
  return { order, deps };
}

/** Adds `grad` (a handle it takes over) into `leaf.grad`: a leaf, or a non-leaf retaining its gradient. */
function accumulateLeaf(m: GradMath, leaf: Tensor, grad: Tensor): void {
  if (!sameShape(leaf.shape, grad.shape)) {
    throw new Error(`backward: internal error: gradient ${fmt(grad.shape)} does not match tensor ${fmt(leaf.shape)}`);
  }
  if (leaf.disposed) {
    grad.dispose();
    return;
  }
  if (leaf.grad) {
    m.addInPlace(leaf.grad, grad);
    grad.dispose();
    return;
  }
  // .grad is updated in place later, so it must own its memory.
  if (grad.storage.refs > 1 || !grad.isContiguous() || grad.offset !== 0) {
    const owned = m.clone(grad);
    grad.dispose();
    grad = owned;
  }
  leaf.grad = grad;
}

export function runBackward(root: Tensor, gradient: Tensor | undefined, options: BackwardOptions = {}): void {
  const m = math;
  if (!m) throw new Error('backward: internal error: ops layer not loaded');
  root.assertAlive('backward');
  if (!root.requiresGrad) {
    throw new Error(`backward: the tensor ${fmt(root.shape)} does not require grad and has no gradFn; ` +
      'set requiresGrad on the inputs you want gradients for (and do not call it inside noGrad)');
  }
  if (!gradient && root.numel !== 1) {
    throw new Error(`backward: grad can be implicitly created only for scalar outputs, this one has shape ${fmt(root.shape)}; ` +
      'pass a gradient of the same shape: t.backward(grad)');
  }
  if (gradient && !sameShape(gradient.shape, root.shape)) {
    throw new Error(`backward: gradient shape ${fmt(gradient.shape)} does not match the tensor's ${fmt(root.shape)}`);
  }
  noGrad(() => {
    const seed = gradient ? m.clone(gradient) : m.onesLike(root);
    keep(seed);
    if (!root.gradFn) {
      accumulateLeaf(m, root, seed);
      return;
    }
    const { order } = topoOrder(root.gradFn);
    const pending = new Map<GradNode, Tensor>([[root.gradFn, seed]]);
    try {
      for (const node of order) {
        const g = pending.get(node);
        pending.delete(node);
        if (!g) {
          if (!options.retainGraph) node.freeSaved();
          continue;
        }
        // g is complete here (every consumer of the node's output has contributed to it).
        for (const t of node.retainers) accumulateLeaf(m, t, keep(g.viewOf(g.shape, g.strides)));
        const grads = node.scope ? withProfileScope(node.scope, () => node.backwardFn(g, node.savedTensors())) : node.backwardFn(g, node.savedTensors());
        // One owned handle per destination, all made before any is consumed: a backward may
        // return the same tensor for several inputs (add), or g itself, and accumulating into
        // a leaf disposes the handle it is given.
        const owned = node.edges.map((edge, i) => {
          const gi = grads[i] ?? null;
          if (!edge || !gi) return null;
          return gi === g || grads.indexOf(gi) !== i ? gi.viewOf(gi.shape, gi.strides) : gi;
        });
        for (const t of grads) if (t && t !== g && !owned.includes(t)) t.dispose();
        node.edges.forEach((edge, i) => {
          const gi = owned[i];
          if (!edge || !gi) return;
          keep(gi);
          if ('leaf' in edge) {
            accumulateLeaf(m, edge.leaf, gi);
            return;
          }
          const previous = pending.get(edge.node);
          if (previous) {
            pending.set(edge.node, keep(m.add(previous, gi)));
            previous.dispose();
            gi.dispose();
          } else {
            pending.set(edge.node, gi);
          }
        });
        g.dispose();
        if (!options.retainGraph) node.freeSaved();
      }
    } finally {
      for (const t of pending.values()) t.dispose();
    }
  });
}
