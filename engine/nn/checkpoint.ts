// Activation checkpointing (torch.utils.checkpoint.checkpoint, the re-entrant kind): fn runs without
// recording its graph, so none of its intermediate activations stay alive until backward — only its
// inputs are saved — and backward runs fn again with grad enabled and back-propagates through that
// fresh graph. Memory for time: one more forward of fn per backward.
// The recomputation sees the same random numbers (the RNG state is restored for it, so a dropout mask
// repeats) and leaves no trace in state: tensors listed in `preserve` (a train-mode BatchNorm's running
// statistics, which the recomputation would update a second time) are put back as they were.
// As in PyTorch, when no input requires grad there is nothing to attach the recomputation to: fn then
// runs normally (recorded, no memory saved), so the parameters inside still get their gradients.

import { attach } from '../autograd/record.js';
import { enableGrad, isGradEnabled, noGrad } from '../autograd/grad-mode.js';
import { getRngState, setRngState } from '../ops/creation.js';
import type { Tensor } from '../tensor/tensor.js';

export interface CheckpointOptions {
  /** Tensors fn updates in place that the recomputation must not update again (e.g. BN running stats). */
  preserve?: readonly Tensor[];
}

/** fn(...inputs) without keeping its activations; they are recomputed in backward. */
export function checkpoint(fn: (...inputs: Tensor[]) => Tensor, inputs: readonly Tensor[], options: CheckpointOptions = {}): Tensor {
  if (!isGradEnabled() || !inputs.some((t) => t.requiresGrad)) return fn(...inputs);
  const rng = getRngState();
  const out = noGrad(() => fn(...inputs));
  return attach(out, 'CheckpointBackward', inputs, (grad, saved) => {
    const detached = saved.map((t, i) => {
      const d = t.detach();
      d.requiresGrad = inputs[i]!.requiresGrad;
      return d;
    });
    const before = getRngState();
    const kept = noGrad(() => (options.preserve ?? []).map((t) => t.clone()));
    setRngState(rng);
    let again: Tensor;
    try {
      again = enableGrad(() => fn(...detached));
    } finally {
      setRngState(before);
      noGrad(() => (options.preserve ?? []).forEach((t, i) => { t.copy_(kept[i]!); kept[i]!.dispose(); }));
    }
    enableGrad(() => again.backward(grad));
    again.dispose();
    return detached.map((d) => {
      // a handle of our own first: clearing .grad disposes the one it held
      const g = d.grad ? d.grad.viewOf(d.grad.shape, d.grad.strides) : null;
      d.grad = null;
      d.dispose();
      return g;
    });
  }, inputs);
}
