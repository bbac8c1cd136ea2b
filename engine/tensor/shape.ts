// Shape arithmetic shared by views, broadcasting and reductions. Pure functions, no GPU.

export type Shape = readonly number[];

export function numel(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

export function isContiguous(shape: Shape, strides: Shape): boolean {
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1 && strides[i] !== expected) return false;
    expected *= shape[i]!;
  }
  return true;
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function fmt(shape: Shape): string {
  return `[${shape.join(',')}]`;
}

/** Normalises a possibly negative dim; names the op in the error. */
export function normDim(dim: number, rank: number, op: string): number {
  const d = dim < 0 ? dim + rank : dim;
  if (!Number.isInteger(dim) || d < 0 || d >= Math.max(rank, 1)) {
    throw new Error(`${op}: dim ${dim} is out of range for a tensor of rank ${rank} (expected ${-Math.max(rank, 1)}..${Math.max(rank, 1) - 1})`);
  }
  return d;
}

/** Sorted unique dims; undefined/null means all dims. */
export function normDims(dims: number | readonly number[] | null | undefined, rank: number, op: string): number[] {
  if (dims === undefined || dims === null) return [...Array(rank).keys()];
  const list = typeof dims === 'number' ? [dims] : dims;
  const out = [...new Set(list.map((d) => normDim(d, rank, op)))].sort((a, b) => a - b);
  if (out.length !== list.length) throw new Error(`${op}: dims ${fmt(list)} repeat a dimension`);
  return out;
}

/** NumPy/PyTorch broadcasting of two shapes. */
export function broadcastShapes(a: Shape, b: Shape, op: string): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(`${op}: shapes ${fmt(a)} and ${fmt(b)} cannot be broadcast (dim ${i - rank}: ${da} vs ${db})`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Strides that read a tensor of `shape`/`strides` as if it had `target` shape (0 for broadcast dims). */
export function broadcastStrides(shape: Shape, strides: Shape, target: Shape): number[] {
  const out = new Array<number>(target.length).fill(0);
  const shift = target.length - shape.length;
  for (let i = 0; i < shape.length; i++) {
    out[i + shift] = shape[i] === 1 && target[i + shift] !== 1 ? 0 : strides[i]!;
  }
  return out;
}

/** Resolves a -1 in a reshape target. */
export function inferShape(target: Shape, total: number, op: string): number[] {
  const out = [...target];
  const unknown = out.indexOf(-1);
  if (out.indexOf(-1, unknown + 1) >= 0 && unknown >= 0) throw new Error(`${op}: only one dimension can be -1, got ${fmt(target)}`);
  if (unknown >= 0) {
    const known = numel(out.filter((_, i) => i !== unknown));
    if (known === 0 || total % known !== 0) throw new Error(`${op}: shape ${fmt(target)} is invalid for ${total} elements`);
    out[unknown] = total / known;
  }
  if (numel(out) !== total || out.some((d) => d < 0 || !Number.isInteger(d))) {
    throw new Error(`${op}: shape ${fmt(target)} is invalid for ${total} elements`);
  }
  return out;
}

/**
 * Strides for viewing (shape, strides) as `target` without copying, or null when the
 * memory layout does not allow it (PyTorch's computeStride rule: merge contiguous runs).
 */
export function viewStrides(shape: Shape, strides: Shape, target: Shape): number[] | null {
  if (numel(shape) === 0 || shape.length === 0) return contiguousStrides(target);
  const out = new Array<number>(target.length);
  let viewD = target.length - 1;
  let chunkBase = strides[strides.length - 1] ?? 1;
  let tensorNumel = 1;
  let viewNumel = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    tensorNumel *= shape[d]!;
    if (d === 0 || (shape[d - 1] !== 1 && strides[d - 1] !== tensorNumel * chunkBase)) {
      while (viewD >= 0 && (viewNumel < tensorNumel || target[viewD] === 1)) {
        out[viewD] = viewNumel * chunkBase;
        viewNumel *= target[viewD]!;
        viewD--;
      }
      if (viewNumel !== tensorNumel) return null;
      if (d > 0) {
        chunkBase = strides[d - 1]!;
        tensorNumel = 1;
        viewNumel = 1;
      }
    }
  }
  if (viewD !== -1) return null;
  return out;
}
