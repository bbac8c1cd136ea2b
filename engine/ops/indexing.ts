// gather / index_select / scatter_add, cat / stack, one_hot. gather and scatter_add are
// each other's backward; cat's backward is narrow.

import { attach } from '../autograd/record.js';
import { launchGather, launchScatterAdd } from '../kernels/indexing.js';
import { fmt, normDim, sameShape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { copyInto, view } from './core.js';
import { eq, to } from './binary.js';
import { arange, zeros } from './creation.js';
import { embedInZeros, expand, narrow, reshape, unsqueeze } from './views.js';

function assertIndex(index: Tensor, op: string): void {
  if (index.dtype !== 'int32' && index.dtype !== 'uint32') {
    throw new Error(`${op}: index must be an int32 tensor, got ${index.dtype} ${fmt(index.shape)}; convert with .to('int32')`);
  }
}

function checkGatherShapes(op: string, src: Tensor, dim: number, index: Tensor): void {
  if (index.rank !== src.rank) {
    throw new Error(`${op}: index ${fmt(index.shape)} must have as many dims as the input ${fmt(src.shape)}`);
  }
  index.shape.forEach((size, d) => {
    if (d !== dim && size > src.shape[d]!) {
      throw new Error(`${op}: index ${fmt(index.shape)} is larger than the input ${fmt(src.shape)} in dim ${d}`);
    }
  });
}

export function gather(src: Tensor, dim: number, index: Tensor): Tensor {
  src.assertAlive('gather');
  index.assertAlive('gather');
  assertIndex(index, 'gather');
  const d = normDim(dim, src.rank, 'gather');
  checkGatherShapes('gather', src, d, index);
  const out = Tensor.empty(index.shape, src.dtype);
  launchGather(view(src), view(index), d, view(out));
  const srcShape = src.shape;
  return attach(out, 'GatherBackward', [src], (g, [idx]) => {
    const base = zeros(srcShape);
    const result = scatterAdd(base, d, idx!, g);
    base.dispose();
    return [result];
  }, [index]);
}

/** torch.index_select: picks entries of `dim` by a 1-D index (as a gather on an expanded index). */
export function indexSelect(src: Tensor, dim: number, index: Tensor): Tensor {
  assertIndex(index, 'indexSelect');
  if (index.rank !== 1) throw new Error(`indexSelect: index must be 1-D, got shape ${fmt(index.shape)}`);
  const d = normDim(dim, src.rank, 'indexSelect');
  const shaped = reshape(index, src.shape.map((_, i) => (i === d ? index.numel : 1)));
  const outShape = src.shape.map((s, i) => (i === d ? index.numel : s));
  const expanded = expand(shaped, outShape);
  shaped.dispose();
  const out = gather(src, d, expanded);
  expanded.dispose();
  return out;
}

/** self + src added at `index` along `dim` (torch.scatter_add, out of place). */
export function scatterAdd(self: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  self.assertAlive('scatterAdd');
  src.assertAlive('scatterAdd');
  assertIndex(index, 'scatterAdd');
  const d = normDim(dim, self.rank, 'scatterAdd');
  checkGatherShapes('scatterAdd', self, d, index);
  if (src.rank !== index.rank || index.shape.some((s, i) => s > src.shape[i]!)) {
    throw new Error(`scatterAdd: index ${fmt(index.shape)} must not be larger than src ${fmt(src.shape)} in any dim`);
  }
  if (src.dtype !== self.dtype) throw new Error(`scatterAdd: src is ${src.dtype} but self is ${self.dtype}`);
  const out = Tensor.empty(self.shape, self.dtype);
  launchScatterAdd(view(self), d, view(index), view(src), view(out));
  const srcShape = src.shape;
  return attach(out, 'ScatterAddBackward', [self, src], (g, [idx]) => {
    const gSrc = gather(g, d, idx!);
    if (sameShape(gSrc.shape, srcShape)) return [g.viewOf(g.shape, g.strides), gSrc];
    // src may be larger than index: the positions index never reaches get zero gradient.
    const padded = embedInZeros(gSrc, srcShape, 0, 0);
    gSrc.dispose();
    return [g.viewOf(g.shape, g.strides), padded];
  }, [index]);
}

/** Concatenates along an existing dim; empty tensors of any shape [0] are skipped like PyTorch. */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new Error('cat: expected a non-empty list of tensors');
  const parts = tensors.filter((t) => !(t.rank === 1 && t.shape[0] === 0));
  const first = parts[0] ?? tensors[0]!;
  const d = normDim(dim, first.rank, 'cat');
  for (const t of parts) {
    t.assertAlive('cat');
    if (t.rank !== first.rank || t.shape.some((s, i) => i !== d && s !== first.shape[i])) {
      throw new Error(`cat: sizes must match except in dim ${dim}: ${fmt(first.shape)} vs ${fmt(t.shape)}`);
    }
    if (t.dtype !== first.dtype) throw new Error(`cat: all tensors must have one dtype, got ${first.dtype} and ${t.dtype}`);
  }
  const sizes = parts.map((t) => t.shape[d]!);
  const outShape = [...first.shape];
  outShape[d] = sizes.reduce((a, b) => a + b, 0);
  const out = Tensor.empty(outShape, first.dtype);
  let offset = 0;
  parts.forEach((t, i) => {
    if (sizes[i] === 0) return;
    const slot = out.viewOf(t.shape, out.strides, out.offset + offset * out.strides[d]!);
    copyInto(slot, t);
    slot.dispose();
    offset += sizes[i]!;
  });
  return attach(out, 'CatBackward', parts, (g) => {
    let start = 0;
    return parts.map((_, i) => {
      const piece = narrow(g, d, start, sizes[i]!);
      start += sizes[i]!;
      return piece;
    });
  });
}

export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new Error('stack: expected a non-empty list of tensors');
  const first = tensors[0]!;
  for (const t of tensors) {
    if (!sameShape(t.shape, first.shape)) throw new Error(`stack: all tensors must have one shape, got ${fmt(first.shape)} and ${fmt(t.shape)}`);
  }
  const d = normDim(dim, first.rank + 1, 'stack');
  const lifted = tensors.map((t) => unsqueeze(t, d));
  const out = cat(lifted, d);
  for (const t of lifted) t.dispose();
  return out;
}

/** int32 one-hot encoding with a trailing class dim (torch.nn.functional.one_hot). */
export function oneHot(t: Tensor, numClasses: number): Tensor {
  assertIndex(t, 'oneHot');
  if (!Number.isInteger(numClasses) || numClasses <= 0) throw new Error(`oneHot: numClasses must be a positive integer, got ${numClasses}`);
  const lifted = unsqueeze(t, -1);
  const classes = arange(numClasses);
  const mask = eq(lifted, classes);
  const out = to(mask, 'int32');
  for (const tmp of [lifted, classes, mask]) tmp.dispose();
  return out;
}
