// torch.nn.LSTM's computation as a function (unidirectional, no dropout between layers),
// with PyTorch's parameter layout: per layer weight_ih [4H, in], weight_hh [4H, H],
// bias_ih/bias_hh [4H], gate order i, f, g, o.
//
// Forward per layer: the input projection of all time steps is one matmul
// (x·W_ihᵀ, [T·B, 4H]); each step is one fused kernel (lstm.wgsl: recurrent product,
// gates, cell update), which also saves the gate activations. Everything runs in [T, B, ·]
// order; batchFirst only changes how the input is read and the output written.
// Backward per layer, last step first: one fused kernel per step (lstm_backward.wgsl) turns
// dh, dc into the pre-activation gate gradients dz; then one matmul each for dW_ih = dzᵀ·x,
// dW_hh = dzᵀ·h_{t−1}, dx = dz·W_ih (the next lower layer's output gradient), dh0 = dz_0·W_hh,
// and one sum for the biases.
//
// Three outputs share one autograd node: output, hN and cN are views of one packed tensor
// [T·B·H + 2·L·B·H], whose gradient the node splits again.

import { noGrad } from '../autograd/grad-mode.js';
import { attach } from '../autograd/record.js';
import { launchLstmBackwardStep, launchLstmStep, type LstmDims } from '../kernels/lstm.js';
import { fmt } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { add } from './binary.js';
import { assertFloat, copyInto, mapInPlace, mapNew } from './core.js';
import { zeros } from './creation.js';
import { matmul } from './matmul.js';
import { sum } from './reduce.js';
import { contiguous, narrow, reshape, transpose } from './views.js';

export interface LstmLayer {
  weightIh: Tensor;
  weightHh: Tensor;
  biasIh?: Tensor | null;
  biasHh?: Tensor | null;
}

export interface LstmOptions {
  batchFirst?: boolean;
  /** Initial hidden and cell states [numLayers, B, H]; zeros when absent. */
  h0?: Tensor | null;
  c0?: Tensor | null;
}

export interface LstmResult {
  /** [T, B, H] ([B, T, H] with batchFirst): the last layer's h at every step. */
  output: Tensor;
  /** [numLayers, B, H]: each layer's h and c after the last step. */
  hN: Tensor;
  cN: Tensor;
}

/** A fresh contiguous copy (offset 0) that no autograd sees. */
const copy = (t: Tensor) => mapNew('copy', 'a', [t], t.shape, 'float32');

/** A view of `t`'s memory (no autograd): shape at an element offset. */
function at(t: Tensor, shape: readonly number[], offset: number): Tensor {
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  return t.viewOf(shape, strides, t.offset + offset);
}

function check(input: Tensor, layers: readonly LstmLayer[], options: LstmOptions): { T: number; B: number; H: number } {
  input.assertAlive('lstm');
  assertFloat(input, 'lstm');
  if (layers.length < 1) throw new Error('lstm: need at least one layer ({ weightIh, weightHh, biasIh?, biasHh? })');
  if (input.rank !== 3) {
    throw new Error(`lstm: input must be [T, B, in] (or [B, T, in] with batchFirst), got ${fmt(input.shape)}; unsqueeze a batch dim for one sequence`);
  }
  const batchFirst = options.batchFirst ?? false;
  const T = input.shape[batchFirst ? 1 : 0]!;
  const B = input.shape[batchFirst ? 0 : 1]!;
  const H = layers[0]!.weightHh.shape[1] ?? 0;
  layers.forEach((layer, l) => {
    const inFeatures = l === 0 ? input.shape[2]! : H;
    const expect = (t: Tensor | null | undefined, shape: number[], name: string) => {
      if (!t) return;
      t.assertAlive('lstm');
      if (t.rank !== shape.length || t.shape.some((s, i) => s !== shape[i])) {
        const hint = l === 0 && name === 'weightIh' ? ` (input ${fmt(input.shape)} has ${inFeatures} features)` : '';
        throw new Error(`lstm: layer ${l} ${name} must be ${fmt(shape)} for hidden size ${H}, got ${fmt(t.shape)}${hint}`);
      }
    };
    expect(layer.weightIh, [4 * H, inFeatures], 'weightIh');
    expect(layer.weightHh, [4 * H, H], 'weightHh');
    expect(layer.biasIh, [4 * H], 'biasIh');
    expect(layer.biasHh, [4 * H], 'biasHh');
  });
  for (const [s, name] of [[options.h0, 'h0'], [options.c0, 'c0']] as const) {
    if (s && (s.rank !== 3 || s.shape[0] !== layers.length || s.shape[1] !== B || s.shape[2] !== H)) {
      throw new Error(`lstm: ${name} must be [numLayers, B, H] = ${fmt([layers.length, B, H])}, got ${fmt(s.shape)}`);
    }
  }
  if (T === 0) throw new Error(`lstm: the sequence is empty (input ${fmt(input.shape)})`);
  return { T, B, H };
}

interface LayerState {
  /** [T+1, B, H]: h0 then h_1..h_T. */
  hs: Tensor;
  cs: Tensor;
  /** [T, B, 4H] gate activations. */
  gates: Tensor;
}

function runLayer(x: Tensor, layer: LstmLayer, d: LstmDims, h0: Tensor | null, c0: Tensor | null): LayerState {
  const { T, B, H } = d;
  const rows = reshape(x, [T * B, x.shape[2]!]);
  const wt = transpose(layer.weightIh, 0, 1);
  const xp = matmul(rows, wt);
  // Fresh copies (offset 0, contiguous), as the kernel reads them.
  const whhTView = transpose(layer.weightHh, 0, 1);
  const whhT = copy(whhTView);
  whhTView.dispose();
  const bias = layer.biasIh && layer.biasHh ? add(layer.biasIh, layer.biasHh)
    : layer.biasIh ?? layer.biasHh ? copy((layer.biasIh ?? layer.biasHh)!) : zeros([4 * H]);
  const hs = Tensor.empty([T + 1, B, H]);
  const cs = Tensor.empty([T + 1, B, H]);
  const gates = Tensor.empty([T, B, 4 * H]);
  for (const [buf, init] of [[hs, h0], [cs, c0]] as const) {
    const slot = at(buf, [B, H], 0);
    const source = init ?? zeros([B, H]);
    copyInto(slot, source);
    if (!init) source.dispose();
    slot.dispose();
  }
  const bufs = { xp: xp.storage.buffer, whhT: whhT.storage.buffer, bias: bias.storage.buffer, hs: hs.storage.buffer, cs: cs.storage.buffer, gates: gates.storage.buffer };
  for (let t = 0; t < T; t++) launchLstmStep(bufs, d, t);
  for (const tmp of [rows, wt, xp, whhT, bias]) tmp.dispose();
  return { hs, cs, gates };
}

export function lstm(input: Tensor, layers: readonly LstmLayer[], options: LstmOptions = {}): LstmResult {
  const { T, B, H } = check(input, layers, options);
  const L = layers.length;
  const batchFirst = options.batchFirst ?? false;
  const d: LstmDims = { T, B, H };
  const { h0, c0 } = options;
  const params = layers.flatMap((l) => [l.weightIh, l.weightHh, ...(l.biasIh ? [l.biasIh] : []), ...(l.biasHh ? [l.biasHh] : [])]);
  const inputs = [input, ...(h0 ? [h0] : []), ...(c0 ? [c0] : []), ...params];
  const outSize = T * B * H;
  const packed = Tensor.empty([outSize + 2 * L * B * H]);
  const saved: Tensor[] = [];
  noGrad(() => {
    const x0 = contiguous(batchFirst ? transpose(input, 0, 1) : input);
    saved.push(x0);
    let x = x0;
    layers.forEach((layer, l) => {
      const h0l = h0 ? h0.viewOf([B, H], h0.strides.slice(1), h0.offset + l * h0.strides[0]!) : null;
      const c0l = c0 ? c0.viewOf([B, H], c0.strides.slice(1), c0.offset + l * c0.strides[0]!) : null;
      const s = runLayer(x, layer, d, h0l, c0l);
      for (const t of [h0l, c0l, x === x0 ? null : x]) t?.dispose();
      saved.push(s.hs, s.cs, s.gates);
      x = at(s.hs, [T, B, H], B * H);
      for (const [src, base] of [[s.hs, outSize], [s.cs, outSize + L * B * H]] as const) {
        const last = at(src, [B, H], T * B * H);
        const dest = at(packed, [B, H], base + l * B * H);
        copyInto(dest, last);
        last.dispose();
        dest.dispose();
      }
    });
    const dest = batchFirst ? at(packed, [B, T, H], 0) : at(packed, [T, B, H], 0);
    const source = batchFirst ? transpose(x, 0, 1) : x;
    copyInto(dest, source);
    for (const t of [dest, source, x]) t.dispose();
  });
  const node = attach(packed, 'LstmBackward', inputs, (g, kept) => lstmBackward(g, kept, { d, L, batchFirst, layers, input, h0, c0 }), [...saved, ...params]);
  for (const t of saved) t.dispose();
  const piece = (start: number, length: number, shape: number[]) => {
    const flat = narrow(node, 0, start, length);
    const out = reshape(flat, shape);
    flat.dispose();
    return out;
  };
  const output = piece(0, outSize, batchFirst ? [B, T, H] : [T, B, H]);
  const hN = piece(outSize, L * B * H, [L, B, H]);
  const cN = piece(outSize + L * B * H, L * B * H, [L, B, H]);
  node.dispose();
  return { output, hN, cN };
}

interface BackwardContext {
  d: LstmDims;
  L: number;
  batchFirst: boolean;
  layers: readonly LstmLayer[];
  input: Tensor;
  h0: Tensor | null | undefined;
  c0: Tensor | null | undefined;
}

function lstmBackward(g: Tensor, kept: readonly Tensor[], ctx: BackwardContext): Array<Tensor | null> {
  const { d, L, batchFirst, layers, input, h0, c0 } = ctx;
  const { T, B, H } = d;
  const outSize = T * B * H;
  const x0 = kept[0]!;
  const hsOf = (l: number) => kept[1 + 3 * l]!;
  const params = kept.slice(1 + 3 * L);
  const gc = contiguous(g);
  // The output's gradient in [T, B, H] order, in memory we own (dh_N is added into it).
  const gOut = batchFirst ? transpose(at(gc, [B, T, H], 0), 0, 1) : at(gc, [T, B, H], 0);
  let dOut = copy(gOut);
  gOut.dispose();
  const dh0 = h0?.requiresGrad ? Tensor.empty([L, B, H]) : null;
  const dc0 = c0?.requiresGrad ? Tensor.empty([L, B, H]) : null;
  const paramGrads: Array<Array<Tensor | null>> = [];
  let dInput: Tensor | null = null;
  let p = params.length;
  for (let l = L - 1; l >= 0; l--) {
    const layer = layers[l]!;
    const count = 2 + (layer.biasIh ? 1 : 0) + (layer.biasHh ? 1 : 0);
    p -= count;
    const [wih, whh] = [params[p]!, params[p + 1]!];
    const hs = hsOf(l);
    const cs = kept[2 + 3 * l]!;
    const gates = kept[3 + 3 * l]!;
    // dh_N joins the output gradient of the last step; dc_N starts the cell gradient.
    const dhN = at(gc, [B, H], outSize + l * B * H);
    const lastStep = at(dOut, [B, H], (T - 1) * B * H);
    mapInPlace('add', 'a + b', lastStep, [dhN]);
    const dcN = at(gc, [B, H], outSize + (L + l) * B * H);
    const dc = copy(dcN);
    const dz = Tensor.empty([T, B, 4 * H]);
    const whhC = contiguous(whh);
    const bufs = { gates: gates.storage.buffer, cs: cs.storage.buffer, whh: whhC.storage.buffer, whhOffset: whhC.offset, dout: dOut.storage.buffer, dz: dz.storage.buffer, dc: dc.storage.buffer };
    for (let t = T - 1; t >= 0; t--) launchLstmBackwardStep(bufs, d, t);
    const dzRows = at(dz, [T * B, 4 * H], 0);
    const dzT = transpose(dzRows, 0, 1);
    const inFeatures = l === 0 ? x0.shape[2]! : H;
    const xRows = l === 0 ? at(x0, [T * B, inFeatures], 0) : at(hsOf(l - 1), [T * B, H], B * H);
    const hPrev = at(hs, [T * B, H], 0);
    const dWih = layer.weightIh.requiresGrad ? matmul(dzT, xRows) : null;
    const dWhh = layer.weightHh.requiresGrad ? matmul(dzT, hPrev) : null;
    const db = layer.biasIh?.requiresGrad || layer.biasHh?.requiresGrad ? sum(dzRows, 0) : null;
    const grads: Array<Tensor | null> = [dWih, dWhh];
    // Both biases get Σ dz; each its own handle (the reverse pass may dispose one after use).
    if (layer.biasIh) grads.push(layer.biasIh.requiresGrad ? db!.viewOf(db!.shape, db!.strides) : null);
    if (layer.biasHh) grads.push(layer.biasHh.requiresGrad ? db!.viewOf(db!.shape, db!.strides) : null);
    db?.dispose();
    paramGrads[l] = grads;
    if (dh0) {
      const dz0 = at(dz, [B, 4 * H], 0);
      const dh = matmul(dz0, whh);
      const slot = at(dh0, [B, H], l * B * H);
      copyInto(slot, dh);
      for (const t of [dz0, dh, slot]) t.dispose();
    }
    if (dc0) {
      const slot = at(dc0, [B, H], l * B * H);
      copyInto(slot, dc);
      slot.dispose();
    }
    // dx = dz·W_ih: the gradient of the layer below's output, or of the input.
    const dX = l > 0 || input.requiresGrad ? matmul(dzRows, wih) : null;
    for (const t of [dhN, lastStep, dcN, dc, dz, whhC, dzRows, dzT, xRows, hPrev, dOut]) t.dispose();
    if (l > 0) dOut = dX!;
    else dInput = dX;
  }
  gc.dispose();
  if (dInput) {
    const shaped = at(dInput, [T, B, input.shape[2]!], 0);
    dInput.dispose();
    dInput = batchFirst ? transpose(shaped, 0, 1) : shaped;
    if (dInput !== shaped) shaped.dispose();
  }
  return [dInput, ...(h0 ? [dh0] : []), ...(c0 ? [dc0] : []), ...paramGrads.flat()];
}
