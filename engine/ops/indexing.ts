// gather / index_select / scatter_add, cat / stack, one_hot. gather and scatter_add are
// each other's backward; cat's backward is narrow.
//
// Indices are range-checked on the GPU, not here (that would need a readback per op): an
// out-of-range one reads as NaN and the next readback throws the op's error, worded by a
// FaultMessage — PyTorch's "index 5 is out of bounds for dimension 1 with size 3" by default,
// the caller's own where the index is theirs under another name (a loss's targets).

import { attach } from '../autograd/record.js';
import { coordsOf, type FaultMessage, type IndexFault } from '../kernels/index-faults.js';
import { launchGather, launchScatterAdd } from '../kernels/indexing.js';
import { fmt, normDim, type Shape, sameShape } from '../tensor/shape.js';
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

/** `5` or `3 indices (-1 to 5)`: what a fault says about the values. */
function badValues(f: IndexFault, one: string, many: string): string {
  if (f.count === 1) return `${one} ${f.min}`;
  return `${f.count} ${many} (${f.min === f.max ? f.min : `${f.min} to ${f.max}`})`;
}

/**
 * PyTorch's wording for an index outside [0, size) along `dim`, with the shapes and where the
 * first bad index is (`position` maps its row-major position in the launched index to a name).
 */
function outOfBounds(op: string, dim: number, size: number, shapes: string, position: (first: number) => string): FaultMessage {
  return (f) => {
    const verb = f.count === 1 ? 'is' : 'are';
    const where = f.count === 1 ? `at ${position(f.first)}` : `the first at ${position(f.first)}`;
    return `${op}: ${badValues(f, 'index', 'indices')} ${verb} out of bounds for dim ${dim} with size ${size} (${shapes}), ${where}`;
  };
}

const at = (name: string, shape: Shape) => (first: number) => (shape.length === 0 ? name : `${name}[${coordsOf(shape, first).join(',')}]`);

export function gather(src: Tensor, dim: number, index: Tensor): Tensor {
  return gatherWith(src, dim, index);
}

/** gather whose out-of-range indices raise `badIndex`'s message (default: gather's own). */
export function gatherWith(src: Tensor, dim: number, index: Tensor, badIndex?: FaultMessage): Tensor {
  src.assertAlive('gather');
  index.assertAlive('gather');
  assertIndex(index, 'gather');
  const d = normDim(dim, src.rank, 'gather');
  checkGatherShapes('gather', src, d, index);
  const [srcShape, indexShape] = [src.shape, index.shape];
  // Worded only if a fault is reported: no string work per op.
  const message = badIndex ?? ((f: IndexFault) =>
    outOfBounds('gather', d, srcShape[d]!, `input ${fmt(srcShape)}, index ${fmt(indexShape)}`, at('index', indexShape))(f));
  const out = Tensor.empty(index.shape, src.dtype);
  launchGather(view(src), view(index), d, view(out), message);
  return attach(out, 'GatherBackward', [src], (g, [idx]) => {
    const base = zeros(srcShape);
    // The forward reported any bad index already; the same message again is merged with it.
    const result = scatterAddWith(base, d, idx!, g, message);
    base.dispose();
    return [result];
  }, [index]);
}

/** torch.index_select: picks entries of `dim` by a 1-D index (as a gather on an expanded index). */
export function indexSelect(src: Tensor, dim: number, index: Tensor): Tensor {
  return indexSelectWith(src, dim, index);
}

/** indexSelect whose out-of-range indices raise `badIndex`'s message; its `first` is a position in `index`. */
export function indexSelectWith(src: Tensor, dim: number, index: Tensor, badIndex?: FaultMessage): Tensor {
  src.assertAlive('indexSelect');
  index.assertAlive('indexSelect');
  assertIndex(index, 'indexSelect');
  if (index.rank !== 1) throw new Error(`indexSelect: index must be 1-D, got shape ${fmt(index.shape)}`);
  const d = normDim(dim, src.rank, 'indexSelect');
  const [srcShape, indexShape] = [src.shape, index.shape];
  const shaped = reshape(index, src.shape.map((_, i) => (i === d ? index.numel : 1)));
  const outShape = src.shape.map((s, i) => (i === d ? index.numel : s));
  const expanded = expand(shaped, outShape);
  shaped.dispose();
  // The kernel sees the expanded index: its position along d is the position in `index`, and
  // each entry of `index` is checked once per element of the other dims.
  const repeats = outShape.reduce((a, b) => a * b, 1) / Math.max(1, index.numel);
  const own = (f: IndexFault): IndexFault => ({ ...f, count: f.count / repeats, first: coordsOf(outShape, f.first)[d]! });
  const message: FaultMessage = badIndex
    ? (f) => badIndex(own(f))
    : (f) => outOfBounds('indexSelect', d, srcShape[d]!, `input ${fmt(srcShape)}, index ${fmt(indexShape)}`, at('index', indexShape))(own(f));
  const out = gatherWith(src, d, expanded, message);
  expanded.dispose();
  return out;
}

/** self + src added at `index` along `dim` (torch.scatter_add, out of place). */
export function scatterAdd(self: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  return scatterAddWith(self, dim, index, src);
}

function scatterAddWith(self: Tensor, dim: number, index: Tensor, src: Tensor, badIndex?: FaultMessage): Tensor {
  self.assertAlive('scatterAdd');
  src.assertAlive('scatterAdd');
  assertIndex(index, 'scatterAdd');
  const d = normDim(dim, self.rank, 'scatterAdd');
  checkGatherShapes('scatterAdd', self, d, index);
  if (src.rank !== index.rank || index.shape.some((s, i) => s > src.shape[i]!)) {
    throw new Error(`scatterAdd: index ${fmt(index.shape)} must not be larger than src ${fmt(src.shape)} in any dim`);
  }
  if (src.dtype !== self.dtype) throw new Error(`scatterAdd: src is ${src.dtype} but self is ${self.dtype}`);
  const [selfShape, indexShape] = [self.shape, index.shape];
  const message = badIndex ?? ((f: IndexFault) =>
    outOfBounds('scatterAdd', d, selfShape[d]!, `self ${fmt(selfShape)}, index ${fmt(indexShape)}`, at('index', indexShape))(f));
  const out = Tensor.empty(self.shape, self.dtype);
  launchScatterAdd(view(self), d, view(index), view(src), view(out), message);
  const srcShape = src.shape;
  return attach(out, 'ScatterAddBackward', [self, src], (g, [idx]) => {
    const gSrc = gatherWith(g, d, idx!, message);
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
