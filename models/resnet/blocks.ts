// torchvision's residual blocks: BasicBlock (two 3x3 convs; ResNet18/34) and Bottleneck
// (1x1 → 3x3 → 1x1, expansion 4; ResNet50 and up), with its attribute names and order so
// state-dict keys read `layer1.0.conv1.weight`, `layer2.0.downsample.1.running_mean`.
// With a plain BatchNorm2d, norm → (+ shortcut) → relu runs as one fused pass forward and two
// backward (engine batchNormAct) instead of three kernels and their gradients; any other norm
// layer runs the same steps one by one. In inference (eval, no gradient wanted) each conv → norm
// (→ + shortcut) → relu is one kernel with the norm folded into the conv (folded.ts).

import { type BatchNormActOptions, nn, relu, type Tensor } from '../../engine/index.js';
import { canFold, convNormFolded, downsamplePair, type FoldablePair } from './folded.js';

/** Makes a normalization layer for `channels` channels (torchvision's norm_layer). */
export type NormLayer = (channels: number) => nn.Module;

export const batchNorm2d: NormLayer = (channels) => new nn.BatchNorm2d(channels);

export interface BlockOptions {
  stride: number;
  downsample: nn.Sequential | null;
  groups: number;
  baseWidth: number;
  dilation: number;
  normLayer: NormLayer;
}

export const conv3x3 = (inPlanes: number, outPlanes: number, stride = 1, groups = 1, dilation = 1) =>
  new nn.Conv2d(inPlanes, outPlanes, 3, { stride, padding: dilation, groups, bias: false, dilation });

export const conv1x1 = (inPlanes: number, outPlanes: number, stride = 1) =>
  new nn.Conv2d(inPlanes, outPlanes, 1, { stride, bias: false });

/** Applies f and frees its input handle: keeps a forward's peak memory at two activations. (Not named `then`: a module exporting `then` is a thenable, and `await import()` would call it.) */
export function applyAndFree(x: Tensor, f: (t: Tensor) => Tensor): Tensor {
  const y = f(x);
  x.dispose();
  return y;
}

/** A norm layer whose forward also takes relu(norm(x) + residual)'s epilogue. */
type FusingNorm = nn.Module<[Tensor, Pick<BatchNormActOptions, 'residual' | 'relu'>?]>;

/**
 * Norm layer classes whose forward(x, { relu, residual }) computes relu(norm(x) + residual) fused.
 * Exact classes, never their subclasses: a subclass may override forward(x) and drop the epilogue.
 */
const fusingNorms = new Set<unknown>([nn.BatchNorm2d]);

/** Declares that `cls` (exactly) takes forward(x, { relu, residual }) as nn.BatchNorm2d does. */
export function registerFusingNorm(cls: new (...args: never[]) => FusingNorm): void {
  fusingNorms.add(cls);
}

/** relu(norm(t) (+ residual)): one call of the norm layer when it fuses, else norm, add, relu. */
export function normRelu(norm: nn.Module, t: Tensor, residual?: Tensor): Tensor {
  if (fusingNorms.has(norm.constructor)) {
    return (norm as FusingNorm).call(t, { relu: true, ...(residual ? { residual } : {}) });
  }
  let out = norm.call(t) as Tensor;
  if (residual) out = applyAndFree(out, (s) => s.add(residual));
  return applyAndFree(out, relu);
}

/** relu(norm(out) + shortcut), freeing out and a shortcut made by downsample. */
function normAddShortcut(norm: nn.Module, out: Tensor, x: Tensor, downsample: nn.Sequential | null): Tensor {
  const identity = downsample ? downsample.call(x) : x;
  const y = applyAndFree(out, (t) => normRelu(norm, t, identity));
  if (identity !== x) identity.dispose();
  return y;
}

/**
 * The block's inference forward with every norm folded (relu after each pair, the shortcut added
 * before the last relu), or undefined when the block cannot fold (training, gradients, other layers).
 */
function foldedBlock(pairs: FoldablePair[], block: ResidualBlock, x: Tensor): Tensor | undefined {
  const downsample = block.downsample ? downsamplePair(block.downsample) : undefined;
  if (!canFold(block, x, downsample === undefined ? pairs : [...pairs, downsample])) return undefined;
  let out = x;
  for (const pair of pairs.slice(0, -1)) out = applyAndFreeUnless(out, x, (t) => convNormFolded(pair, t, { relu: true }));
  const identity = downsample ? convNormFolded(downsample, x) : x;
  const y = convNormFolded(pairs.at(-1)!, out, { relu: true, residual: identity });
  if (out !== x) out.dispose();
  if (identity !== x) identity.dispose();
  return y;
}

/** f(t), freeing t unless it is `keep` (the block's input, which the caller owns). */
function applyAndFreeUnless(t: Tensor, keep: Tensor, f: (t: Tensor) => Tensor): Tensor {
  return t === keep ? f(t) : applyAndFree(t, f);
}

export abstract class ResidualBlock extends nn.Module {
  abstract downsample: nn.Sequential | null;
  /** Output channels = planes · expansion. */
  static readonly expansion: number;
  /** The last norm layer of the residual branch: zero-initialised by zeroInitResidual. */
  abstract lastNorm(): nn.Module;
}

export class BasicBlock extends ResidualBlock {
  static override readonly expansion = 1;
  // Declared in torchvision's order: Object property order is the state-dict order.
  conv1: nn.Conv2d;
  bn1: nn.Module;
  relu = new nn.ReLU();
  conv2: nn.Conv2d;
  bn2: nn.Module;
  downsample: nn.Sequential | null;
  readonly stride: number;

  constructor(inPlanes: number, planes: number, o: BlockOptions) {
    super();
    if (o.groups !== 1 || o.baseWidth !== 64) throw new Error('BasicBlock: only supports groups=1 and baseWidth=64');
    if (o.dilation > 1) throw new Error('BasicBlock: dilation > 1 is not supported (as in torchvision)');
    this.conv1 = conv3x3(inPlanes, planes, o.stride);
    this.bn1 = o.normLayer(planes);
    this.conv2 = conv3x3(planes, planes);
    this.bn2 = o.normLayer(planes);
    this.downsample = o.downsample;
    this.stride = o.stride;
  }

  forward(x: Tensor): Tensor {
    const folded = foldedBlock([[this.conv1, this.bn1], [this.conv2, this.bn2]], this, x);
    if (folded) return folded;
    let out = this.conv1.call(x);
    out = applyAndFree(out, (t) => normRelu(this.bn1, t));
    out = applyAndFree(out, (t) => this.conv2.call(t));
    return normAddShortcut(this.bn2, out, x, this.downsample);
  }

  lastNorm(): nn.Module {
    return this.bn2;
  }
}

export class Bottleneck extends ResidualBlock {
  static override readonly expansion = 4;
  conv1: nn.Conv2d;
  bn1: nn.Module;
  conv2: nn.Conv2d;
  bn2: nn.Module;
  conv3: nn.Conv2d;
  bn3: nn.Module;
  relu = new nn.ReLU();
  downsample: nn.Sequential | null;
  readonly stride: number;

  constructor(inPlanes: number, planes: number, o: BlockOptions) {
    super();
    const width = Math.floor(planes * (o.baseWidth / 64)) * o.groups;
    this.conv1 = conv1x1(inPlanes, width);
    this.bn1 = o.normLayer(width);
    this.conv2 = conv3x3(width, width, o.stride, o.groups, o.dilation);
    this.bn2 = o.normLayer(width);
    this.conv3 = conv1x1(width, planes * Bottleneck.expansion);
    this.bn3 = o.normLayer(planes * Bottleneck.expansion);
    this.downsample = o.downsample;
    this.stride = o.stride;
  }

  forward(x: Tensor): Tensor {
    const folded = foldedBlock([[this.conv1, this.bn1], [this.conv2, this.bn2], [this.conv3, this.bn3]], this, x);
    if (folded) return folded;
    let out = this.conv1.call(x);
    for (const [norm, next] of [[this.bn1, this.conv2], [this.bn2, this.conv3]] as const) {
      out = applyAndFree(out, (t) => normRelu(norm, t));
      out = applyAndFree(out, (t) => next.call(t));
    }
    return normAddShortcut(this.bn3, out, x, this.downsample);
  }

  lastNorm(): nn.Module {
    return this.bn3;
  }
}
