// Stochastic gradient descent with momentum, dampening, Nesterov and weight decay,
// as torch.optim.SGD. One fused elementwise kernel per parameter and step.

import { launchMap } from '../kernels/elementwise.js';
import { view } from '../ops/core.js';
import { zerosLike } from '../ops/creation.js';
import { keep } from '../tensor/memory.js';
import type { Tensor } from '../tensor/tensor.js';

export interface SGDOptions {
  lr: number;
  momentum?: number;
  dampening?: number;
  weightDecay?: number;
  nesterov?: boolean;
}

export class SGD {
  readonly params: Tensor[];
  readonly options: Required<SGDOptions>;
  private buffers = new Map<Tensor, Tensor>();
  private steps = 0;

  constructor(params: Iterable<Tensor>, options: SGDOptions) {
    this.params = [...params];
    this.options = { momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, ...options };
    if (!(this.options.lr >= 0)) throw new Error(`SGD: invalid learning rate ${options.lr}`);
    if (this.options.nesterov && (this.options.momentum <= 0 || this.options.dampening !== 0)) {
      throw new Error('SGD: Nesterov momentum requires a momentum and zero dampening');
    }
  }

  zeroGrad(): void {
    for (const p of this.params) p.grad = null;
  }

  step(): void {
    const { lr, momentum, dampening, weightDecay, nesterov } = this.options;
    const first = this.steps === 0;
    for (const p of this.params) {
      const g = p.grad;
      if (!g) continue;
      const scalars = [lr, momentum, first ? 0 : dampening, weightDecay];
      if (momentum === 0) {
        launchMap({ name: 'sgd', expr: 'a - s0 * (b + s3 * a)', inputs: [view(p), view(g)], out: view(p), scalars });
      } else {
        let buf = this.buffers.get(p);
        if (!buf) this.buffers.set(p, (buf = keep(zerosLike(p))));
        // Momentum buffer first (on step 1 PyTorch sets it to d_p itself: dampening 0, buf 0).
        launchMap({ name: 'sgd_momentum', expr: 's1 * a + (1.0 - s2) * (b + s3 * c)', inputs: [view(buf), view(g), view(p)], out: view(buf), scalars });
        const update = nesterov ? 'a - s0 * ((b + s3 * a) + s1 * c)' : 'a - s0 * c';
        launchMap({ name: nesterov ? 'sgd_nesterov' : 'sgd_apply', expr: update, inputs: [view(p), view(g), view(buf)], out: view(p), scalars });
      }
      p.storage.version++;
    }
    this.steps++;
  }
}
