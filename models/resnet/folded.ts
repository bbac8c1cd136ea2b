// Inference with each BatchNorm folded into the convolution before it (engine conv2dFolded): conv →
// bn (→ + shortcut) → relu becomes one kernel, so a ResNet18 forward is ~23 kernels instead of ~60
// plus a weight repack per conv. Taken only when it cannot change a result: eval mode, no gradient
// needed (noGrad, or nothing requires grad), exactly nn.Conv2d and nn.BatchNorm2d (or a class registered
// as folding the same way) with running statistics; any other layer keeps the step-by-step path.
// The folded layers' own forward() is not called, so a profile attributes their kernels to the block.

import { conv2dFolded, type FoldedNorm, isGradEnabled, nn, type Tensor } from '../../engine/index.js';

/** A conv and the norm after it, when the pair folds. */
export type FoldablePair = [nn.Conv2d, nn.Module];

/** Classes (exactly, not subclasses: one may override forward) whose eval forward is BatchNorm2d's. */
const foldableNorms = new Set<unknown>([nn.BatchNorm2d.prototype]);

/** Declares that `cls` in eval mode normalizes with its running statistics exactly as nn.BatchNorm2d. */
export function registerFoldableNorm(cls: new (...args: never[]) => nn.BatchNorm2d): void {
  foldableNorms.add(cls.prototype);
}

function foldableNorm(m: nn.Module): FoldedNorm | null {
  if (!(m instanceof nn.BatchNorm2d) || !foldableNorms.has(Object.getPrototypeOf(m)) || m.training) return null;
  const bn = m;
  if (!bn.runningMean || !bn.runningVar) return null;
  return { runningMean: bn.runningMean, runningVar: bn.runningVar, weight: bn.weight, bias: bn.bias, eps: bn.eps };
}

/** downsample as [conv, norm] when it is exactly Sequential(Conv2d, BatchNorm2d); else null. */
export function downsamplePair(downsample: nn.Sequential | null): FoldablePair | null {
  if (!downsample) return null;
  const children = [...downsample.children()];
  if (children.length !== 2 || children[0]!.constructor !== nn.Conv2d) return null;
  return [children[0] as nn.Conv2d, children[1]!];
}

/** Whether `module`'s forward on x may fold every listed pair: eval, no gradient wanted, plain layers. */
export function canFold(module: nn.Module, x: Tensor, pairs: ReadonlyArray<FoldablePair | null>): boolean {
  if (module.training) return false;
  if (isGradEnabled() && (x.requiresGrad || module.parameters().some((p) => p.requiresGrad))) return false;
  return pairs.every((p) => p !== null && p[0].constructor === nn.Conv2d && !p[0].training && foldableNorm(p[1]) !== null);
}

/** relu?(norm(conv(x)) + residual?) in one kernel; only after canFold said yes for this pair. */
export function convNormFolded([conv, norm]: FoldablePair, x: Tensor, epilogue: { relu?: boolean; residual?: Tensor } = {}): Tensor {
  return conv2dFolded(x, conv.weight, conv.bias, foldableNorm(norm), conv.options, epilogue);
}
