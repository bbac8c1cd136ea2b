// Inference convolution with an eval-mode BatchNorm folded in, and the ReLU and residual add in the
// same kernel's epilogue:
//   relu(bn(conv(x)) + residual) = relu(conv(x; w·s) + (b·s + t) + residual),  s = γ/√(var+ε), t = β − mean·s
// (batchNormScaleShift gives s and t). One kernel instead of conv + weight repack + BN apply + add +
// ReLU. The folded, repacked weight and bias are computed once and cached on the conv weight's storage
// (Storage.setDerived): reused while the weight and every BN tensor keep their storage and version
// (an optimizer step, loadStateDict or an in-place op bumps the version and the next call refolds),
// and released with the weight. They count in memoryStats' live bytes, not as tensor handles.
// No autograd: this is for inference; it refuses inputs that need gradients.

import { isGradEnabled, noGrad } from '../autograd/grad-mode.js';
import { launchConv2dForward, launchPackWeight, packedSize } from '../kernels/conv2d.js';
import { copyBuffer } from '../kernels/runtime.js';
import { fmt } from '../tensor/shape.js';
import { Storage } from '../tensor/storage.js';
import { Tensor } from '../tensor/tensor.js';
import { batchNormScaleShift } from './batchnorm.js';
import { at, type Conv2dOptions, dense, geometry } from './conv.js';

/** An eval-mode BatchNorm's tensors, as nn.BatchNorm2d holds them. */
export interface FoldedNorm {
  runningMean: Tensor;
  runningVar: Tensor;
  weight: Tensor | null;
  bias: Tensor | null;
  eps: number;
}

export interface ConvFoldedEpilogue {
  relu?: boolean;
  /** Added before the relu; must have the output's shape. */
  residual?: Tensor;
}

interface Folded {
  stamp: readonly unknown[];
  packed: Storage;
  bias: Storage | null;
  release(): void;
}

const KEY = 'conv2d:folded';

/** What the cache depends on: each tensor's storage, offset and version, and eps. */
function stampOf(weight: Tensor, bias: Tensor | null, norm: FoldedNorm | null, groups: number): unknown[] {
  const tensors = [weight, bias, norm?.runningMean ?? null, norm?.runningVar ?? null, norm?.weight ?? null, norm?.bias ?? null];
  return [groups, norm?.eps, ...tensors.flatMap((t) => (t ? [t.storage, t.offset, t.storage.version] : [null, 0, 0]))];
}

const sameStamp = (a: readonly unknown[], b: readonly unknown[]) => a.length === b.length && a.every((v, i) => v === b[i]);

function fold(weight: Tensor, bias: Tensor | null, norm: FoldedNorm | null, g: ReturnType<typeof geometry>, stamp: unknown[]): Folded {
  const O = g.O;
  const { w, b } = noGrad(() => {
    if (!norm) return { w: dense(weight), b: bias ? dense(bias) : null };
    const { scale, shift } = batchNormScaleShift(norm.runningMean, norm.runningVar, norm.weight, norm.bias, norm.eps);
    const perOutput = scale.reshape([O, 1, 1, 1]);
    const w = weight.mul(perOutput);
    perOutput.dispose();
    const b = bias ? bias.mul(scale).add(shift) : shift.add(0);
    scale.dispose();
    shift.dispose();
    return { w, b };
  });
  const packed = new Storage(packedSize(g, false) * 4);
  launchPackWeight(at(w), g, false, packed.buffer);
  let biasStorage: Storage | null = null;
  if (b) {
    biasStorage = new Storage(O * 4);
    copyBuffer(b.storage.buffer, b.offset * 4, biasStorage.buffer, 0, O * 4);
  }
  w.dispose();
  b?.dispose();
  return { stamp, packed, bias: biasStorage, release: () => { packed.release(); biasStorage?.release(); } };
}

/**
 * relu?(batchNorm_eval(conv2d(input, weight, bias, options)) + residual?) in one kernel, the BatchNorm
 * (running statistics) folded into the weight and bias; `norm` null folds nothing (conv + epilogue).
 * Inference only: throws when gradients would be needed.
 */
export function conv2dFolded(input: Tensor, weight: Tensor, bias: Tensor | null, norm: FoldedNorm | null, options: Conv2dOptions = {}, epilogue: ConvFoldedEpilogue = {}): Tensor {
  const involved = [input, weight, bias, norm?.weight ?? null, norm?.bias ?? null, epilogue.residual ?? null];
  for (const t of involved) t?.assertAlive('conv2dFolded');
  if (isGradEnabled() && involved.some((t) => t?.requiresGrad)) {
    throw new Error('conv2dFolded: inference only (no gradient flows through the folded BatchNorm); call it inside noGrad(), or use conv2d + batchNorm when training');
  }
  const g = geometry(input, weight, bias, options);
  const { residual } = epilogue;
  const outShape = [g.N, g.O, g.Ho, g.Wo];
  if (residual && fmt(residual.shape) !== fmt(outShape)) {
    throw new Error(`conv2dFolded: residual ${fmt(residual.shape)} must have the output's shape ${fmt(outShape)} (input ${fmt(input.shape)}, weight ${fmt(weight.shape)})`);
  }
  const stamp = stampOf(weight, bias, norm, g.groups);
  let folded = weight.storage.getDerived<Folded>(KEY);
  if (!folded || !sameStamp(folded.stamp, stamp)) {
    folded = fold(weight, bias, norm, g, stamp);
    weight.storage.setDerived(KEY, folded);
  }
  const y = Tensor.empty(outShape);
  if (g.N === 0) return y;
  const x = dense(input);
  const res = residual ? dense(residual) : null;
  launchConv2dForward(at(x), folded.packed.buffer, folded.bias ? { buffer: folded.bias.buffer, offset: 0 } : null, at(y), g,
    { relu: epilogue.relu ?? false, ...(res ? { residual: at(res) } : {}) });
  x.dispose();
  res?.dispose();
  return y;
}
