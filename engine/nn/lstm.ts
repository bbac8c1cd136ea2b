// nn.LSTM over engine/ops/lstm.ts: parameters weight_ih_l{k} [4H, in], weight_hh_l{k} [4H, H],
// bias_ih_l{k}, bias_hh_l{k} [4H] (gates i, f, g, o as PyTorch's), all initialised
// uniform(±1/√H). forward returns [output, [hN, cN]] like PyTorch's (output, (h_n, c_n)).

import { dropout } from '../ops/dropout.js';
import { stack } from '../ops/indexing.js';
import { type LstmLayer, lstm } from '../ops/lstm.js';
import { narrow, squeeze } from '../ops/views.js';
import { fmt } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { uniform } from './init.js';
import { Module } from './module.js';

export interface LSTMOptions {
  numLayers?: number;
  bias?: boolean;
  batchFirst?: boolean;
  /** Dropout on the outputs of every layer but the last, in training mode. */
  dropout?: number;
  /** Not implemented: a clear error. */
  bidirectional?: boolean;
}

export type LSTMState = [Tensor, Tensor];

export class LSTM extends Module<[Tensor, LSTMState?], [Tensor, LSTMState]> {
  readonly numLayers: number;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly layers: LstmLayer[] = [];

  constructor(readonly inputSize: number, readonly hiddenSize: number, options: LSTMOptions = {}) {
    super();
    this.numLayers = options.numLayers ?? 1;
    this.bias = options.bias ?? true;
    this.batchFirst = options.batchFirst ?? false;
    this.dropout = options.dropout ?? 0;
    if (options.bidirectional) throw new Error('LSTM: bidirectional LSTMs are not supported yet; use bidirectional: false');
    if (!Number.isInteger(hiddenSize) || hiddenSize < 1) throw new Error(`LSTM: hiddenSize must be a positive integer, got ${hiddenSize}`);
    if (!Number.isInteger(this.numLayers) || this.numLayers < 1) throw new Error(`LSTM: numLayers must be a positive integer, got ${this.numLayers}`);
    if (!(this.dropout >= 0 && this.dropout <= 1)) throw new Error(`LSTM: dropout should be a number in range [0, 1], got ${this.dropout}`);
    const H = hiddenSize;
    const bound = 1 / Math.sqrt(H);
    for (let l = 0; l < this.numLayers; l++) {
      const inSize = l === 0 ? inputSize : H;
      this.layers.push({
        weightIh: this.registerParameter(`weight_ih_l${l}`, uniform([4 * H, inSize], bound)),
        weightHh: this.registerParameter(`weight_hh_l${l}`, uniform([4 * H, H], bound)),
        biasIh: this.registerParameter(`bias_ih_l${l}`, this.bias ? uniform([4 * H], bound) : null),
        biasHh: this.registerParameter(`bias_hh_l${l}`, this.bias ? uniform([4 * H], bound) : null),
      });
    }
  }

  /** input [T, B, in] ([B, T, in] with batchFirst); state [h0, c0], each [numLayers, B, H]. */
  forward(input: Tensor, state?: LSTMState): [Tensor, LSTMState] {
    if (input.rank !== 3) {
      throw new Error(`LSTM: expected a 3-D input ${this.batchFirst ? '[B, T, in]' : '[T, B, in]'}, got ${fmt(input.shape)}; add a batch dim with unsqueeze(${this.batchFirst ? 0 : 1})`);
    }
    const [h0, c0] = state ?? [null, null];
    if (this.dropout === 0 || !this.training || this.numLayers === 1) {
      const r = lstm(input, this.layers, { batchFirst: this.batchFirst, h0, c0 });
      return [r.output, [r.hN, r.cN]];
    }
    // Dropout between layers: one op call per layer.
    const hs: Tensor[] = [];
    const cs: Tensor[] = [];
    let x = input;
    this.layers.forEach((layer, l) => {
      const pick = (s: Tensor | null) => s && narrow(s, 0, l, 1);
      const h = pick(h0);
      const c = pick(c0);
      const r = lstm(x, [layer], { batchFirst: this.batchFirst, h0: h, c0: c });
      h?.dispose();
      c?.dispose();
      if (x !== input) x.dispose();
      x = l < this.numLayers - 1 ? dropout(r.output, this.dropout, true) : r.output;
      if (x !== r.output) r.output.dispose();
      hs.push(squeeze(r.hN, 0));
      cs.push(squeeze(r.cN, 0));
      r.hN.dispose();
      r.cN.dispose();
    });
    const hN = stack(hs, 0);
    const cN = stack(cs, 0);
    for (const t of [...hs, ...cs]) t.dispose();
    return [x, [hN, cN]];
  }

  override extraRepr(): string {
    let s = `${this.inputSize}, ${this.hiddenSize}`;
    if (this.numLayers !== 1) s += `, num_layers=${this.numLayers}`;
    if (!this.bias) s += ', bias=False';
    if (this.batchFirst) s += ', batch_first=True';
    if (this.dropout) s += `, dropout=${this.dropout}`;
    return s;
  }
}
