// Stateless-ish layers: Linear, Conv2d, pooling, ReLU, Dropout, Identity, Flatten. Each is a
// thin Module over the functional op in engine/ops; weights start as PyTorch's defaults
// (kaiming_uniform_(a=√5) and the fan-in uniform bias).

import { type Conv2dOptions, conv2d, type Pair } from '../ops/conv.js';
import { dropout } from '../ops/dropout.js';
import { linear } from '../ops/linear.js';
import { adaptiveAvgPool2d, type AvgPool2dOptions, avgPool2d, maxPool2d, type MaxPool2dOptions } from '../ops/pool.js';
import { relu } from '../ops/unary.js';
import { flatten, reshape } from '../ops/views.js';
import type { Tensor } from '../tensor/tensor.js';
import { fanInBias, kaimingUniform } from './init.js';
import { Module } from './module.js';

const pyBool = (b: boolean) => (b ? 'True' : 'False');
const pyPair = (p: Pair | string) => (typeof p === 'number' ? `(${p}, ${p})` : typeof p === 'string' ? `'${p}'` : `(${p[0]}, ${p[1]})`);

/** y = x·Wᵀ + b; weight [out, in], bias [out]. */
export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(readonly inFeatures: number, readonly outFeatures: number, bias = true) {
    super();
    for (const [n, v] of [['inFeatures', inFeatures], ['outFeatures', outFeatures]] as const) {
      if (!Number.isInteger(v) || v < 0) throw new Error(`Linear: ${n} must be a non-negative integer, got ${v}`);
    }
    this.weight = this.registerParameter('weight', kaimingUniform([outFeatures, inFeatures], Math.sqrt(5)));
    this.bias = this.registerParameter('bias', bias ? fanInBias(outFeatures, [outFeatures, inFeatures]) : null);
  }

  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${pyBool(this.bias !== null)}`;
  }
}

export interface Conv2dModuleOptions extends Conv2dOptions {
  bias?: boolean;
  /** Only 'zeros' (PyTorch's default) is implemented. */
  paddingMode?: 'zeros';
}

/** 2-D convolution; weight [out, in/groups, kh, kw], bias [out]. */
export class Conv2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly kernelSize: [number, number];
  readonly options: Conv2dOptions;

  constructor(readonly inChannels: number, readonly outChannels: number, kernelSize: Pair, options: Conv2dModuleOptions = {}) {
    super();
    const groups = options.groups ?? 1;
    const k: [number, number] = typeof kernelSize === 'number' ? [kernelSize, kernelSize] : [kernelSize[0], kernelSize[1]];
    if (!Number.isInteger(groups) || groups < 1 || inChannels % groups || outChannels % groups) {
      throw new Error(`Conv2d: inChannels (${inChannels}) and outChannels (${outChannels}) must be divisible by groups (${groups})`);
    }
    if (options.paddingMode && options.paddingMode !== 'zeros') {
      throw new Error(`Conv2d: paddingMode '${String(options.paddingMode)}' is not supported; only 'zeros'`);
    }
    this.kernelSize = k;
    this.options = { stride: options.stride ?? 1, padding: options.padding ?? 0, dilation: options.dilation ?? 1, groups };
    const shape = [outChannels, inChannels / groups, k[0], k[1]];
    this.weight = this.registerParameter('weight', kaimingUniform(shape, Math.sqrt(5)));
    this.bias = this.registerParameter('bias', (options.bias ?? true) ? fanInBias(outChannels, shape) : null);
  }

  forward(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias, this.options);
  }

  override extraRepr(): string {
    const o = this.options;
    let s = `${this.inChannels}, ${this.outChannels}, kernel_size=${pyPair(this.kernelSize)}, stride=${pyPair(o.stride!)}`;
    if (o.padding !== 0) s += `, padding=${pyPair(o.padding!)}`;
    if (o.dilation !== 1) s += `, dilation=${pyPair(o.dilation!)}`;
    if (o.groups !== 1) s += `, groups=${o.groups}`;
    if (!this.bias) s += ', bias=False';
    return s;
  }
}

export class MaxPool2d extends Module {
  readonly options: MaxPool2dOptions;

  constructor(kernelSize: Pair, options: Omit<MaxPool2dOptions, 'kernelSize'> = {}) {
    super();
    this.options = { kernelSize, ...options };
  }

  forward(x: Tensor): Tensor {
    return maxPool2d(x, this.options);
  }

  override extraRepr(): string {
    const o = this.options;
    return `kernel_size=${String(o.kernelSize)}, stride=${String(o.stride ?? o.kernelSize)}, padding=${String(o.padding ?? 0)}, dilation=${String(o.dilation ?? 1)}, ceil_mode=${pyBool(o.ceilMode ?? false)}`;
  }
}

export class AvgPool2d extends Module {
  readonly options: AvgPool2dOptions;

  constructor(kernelSize: Pair, options: Omit<AvgPool2dOptions, 'kernelSize'> = {}) {
    super();
    this.options = { kernelSize, ...options };
  }

  forward(x: Tensor): Tensor {
    return avgPool2d(x, this.options);
  }

  override extraRepr(): string {
    const o = this.options;
    return `kernel_size=${String(o.kernelSize)}, stride=${String(o.stride ?? o.kernelSize)}, padding=${String(o.padding ?? 0)}`;
  }
}

export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: Pair) {
    super();
  }

  forward(x: Tensor): Tensor {
    return adaptiveAvgPool2d(x, this.outputSize);
  }

  override extraRepr(): string {
    return `output_size=${typeof this.outputSize === 'number' ? this.outputSize : pyPair(this.outputSize)}`;
  }
}

export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return relu(x);
  }
}

/** Zeroes elements with probability p in training mode (scaling the rest by 1/(1−p)); identity in eval. */
export class Dropout extends Module {
  constructor(readonly p = 0.5) {
    super();
    if (!(p >= 0 && p <= 1)) throw new Error(`Dropout: dropout probability has to be between 0 and 1, but got ${p}`);
  }

  forward(x: Tensor): Tensor {
    return dropout(x, this.p, this.training);
  }

  override extraRepr(): string {
    return `p=${this.p}, inplace=False`;
  }
}

/** Returns its input (as a new handle on the same memory, so disposing one leaves the other). */
export class Identity extends Module {
  forward(x: Tensor): Tensor {
    return reshape(x, x.shape);
  }
}

/** Flattens dims startDim..endDim (default 1..-1: everything but the batch). */
export class Flatten extends Module {
  constructor(readonly startDim = 1, readonly endDim = -1) {
    super();
  }

  forward(x: Tensor): Tensor {
    return flatten(x, this.startDim, this.endDim);
  }

  override extraRepr(): string {
    return `start_dim=${this.startDim}, end_dim=${this.endDim}`;
  }
}
