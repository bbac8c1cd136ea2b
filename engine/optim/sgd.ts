// Stochastic gradient descent with momentum, dampening, Nesterov, weight decay and maximize,
// as torch.optim.SGD (single-tensor path). Without momentum one elementwise launch per
// parameter; with momentum two (the buffer, then the parameter from it).

import { launchMap } from '../kernels/elementwise.js';
import { view } from '../ops/core.js';
import { zerosLike } from '../ops/creation.js';
import { keep } from '../tensor/memory.js';
import type { Tensor } from '../tensor/tensor.js';
import { type BaseOptions, Optimizer, type ParamGroup, type ParamsInput } from './optimizer.js';

export interface SGDOptions extends BaseOptions {
  momentum?: number;
  dampening?: number;
  weightDecay?: number;
  nesterov?: boolean;
  maximize?: boolean;
}

type SGDFull = Required<SGDOptions>;

export class SGD extends Optimizer<SGDFull> {
  constructor(params: ParamsInput<SGDFull>, options: SGDOptions) {
    super('SGD', params, { momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false, ...options });
  }

  protected override validate(g: ParamGroup<SGDFull>): void {
    super.validate(g);
    if (!(g.momentum >= 0)) throw new Error(`SGD: invalid momentum value: ${g.momentum}`);
    if (!(g.weightDecay >= 0)) throw new Error(`SGD: invalid weight_decay value: ${g.weightDecay}`);
    if (g.nesterov && (g.momentum <= 0 || g.dampening !== 0)) {
      throw new Error('SGD: Nesterov momentum requires a momentum and zero dampening');
    }
  }

  step(): void {
    for (const group of this.paramGroups) {
      const { lr, momentum, dampening, weightDecay, nesterov, maximize } = group;
      // d_p = ±grad + wd·p, with the sign baked into the kernel (scalars hold 4 values).
      const dp = (g: string, p: string) => `(${maximize ? '-' : ''}${g} + s3 * ${p})`;
      const tag = maximize ? '_max' : '';
      for (const p of group.params) {
        const g = p.grad;
        if (!g) continue;
        if (momentum === 0) {
          launchMap({ name: `sgd${tag}`, expr: `a - s0 * ${dp('b', 'a')}`, inputs: [view(p), view(g)], out: view(p), scalars: [lr, 0, 0, weightDecay] });
        } else {
          let s = this.state.get(p);
          // PyTorch's first step sets the buffer to d_p itself: no dampening on a zero buffer.
          const first = !s;
          if (!s) this.state.set(p, (s = { momentum_buffer: keep(zerosLike(p)) }));
          const buf = s.momentum_buffer as Tensor;
          const scalars = [lr, momentum, first ? 0 : dampening, weightDecay];
          launchMap({ name: `sgd_momentum${tag}`, expr: `s1 * a + (1.0 - s2) * ${dp('b', 'c')}`, inputs: [view(buf), view(g), view(p)], out: view(buf), scalars });
          buf.storage.version++;
          const update = nesterov ? `a - s0 * (${dp('b', 'a')} + s1 * c)` : 'a - s0 * c';
          launchMap({ name: nesterov ? `sgd_nesterov${tag}` : 'sgd_apply', expr: update, inputs: [view(p), view(g), view(buf)], out: view(p), scalars });
        }
        p.storage.version++;
      }
    }
  }
}
