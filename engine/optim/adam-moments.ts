// Adam's moment buffers for the multi-tensor path: one exp_avg, one exp_avg_sq (and, with
// AMSGrad, one max_exp_avg_sq) buffer per bucket of a parameter group, every parameter at its
// own offset (4-element aligned), so one dispatch can reach every parameter's moments through
// three bindings. A bucket holds what fits one storage binding (maxStorageBufferBindingSize).
//
// The per-parameter state tensors the optimizer shows (stateOf, stateDict) are views into these
// buffers: the same numbers, the same keys, no copies. State from elsewhere (loadStateDict, or
// the views of an outdated layout after the group's parameters changed) is copied in by adopt().

import { gpu } from '../device/device.js';
import { copyBuffer } from '../kernels/runtime.js';
import { full } from '../ops/creation.js';
import { contiguous } from '../ops/views.js';
import { keep } from '../tensor/memory.js';
import { contiguousStrides } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import type { ParamState } from './optimizer.js';

export const MOMENT_KEYS = ['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq'] as const;
export type MomentKey = (typeof MOMENT_KEYS)[number];

const align4 = (n: number) => Math.ceil(n / 4) * 4;

/** Tests shrink buckets to exercise several per group; unset, a bucket is one storage binding. */
export const momentTuning: { maxBucketElements?: number } = {};

export interface MomentBucket {
  params: Tensor[];
  /** Element offset of each parameter's moments. */
  offsets: Map<Tensor, number>;
  /** Elements per moment buffer (a multiple of 4, at least 4). */
  elements: number;
  owners: Partial<Record<MomentKey, Tensor>>;
}

export class GroupMoments {
  readonly params: readonly Tensor[];
  readonly buckets: MomentBucket[] = [];
  private readonly bucketOf = new Map<Tensor, MomentBucket>();

  constructor(params: readonly Tensor[]) {
    this.params = [...params];
    const { maxStorageBufferBindingSize, maxBufferSize } = gpu().limits;
    const cap = momentTuning.maxBucketElements ?? Math.floor(Math.min(maxStorageBufferBindingSize, maxBufferSize) / 16) * 4;
    let bucket: MomentBucket | undefined;
    for (const p of this.params) {
      const size = align4(p.numel);
      if (!bucket || (bucket.elements + size > cap && bucket.params.length > 0)) {
        bucket = { params: [], offsets: new Map(), elements: 0, owners: {} };
        this.buckets.push(bucket);
      }
      bucket.params.push(p);
      bucket.offsets.set(p, bucket.elements);
      bucket.elements += size;
      this.bucketOf.set(p, bucket);
    }
    for (const b of this.buckets) b.elements = Math.max(4, b.elements);
  }

  /** Whether this layout is for exactly these parameters in this order. */
  matches(params: readonly Tensor[]): boolean {
    return params.length === this.params.length && params.every((p, i) => p === this.params[i]);
  }

  /** The bucket's buffer for `key`, zero-filled when first asked for. */
  owner(bucket: MomentBucket, key: MomentKey): Tensor {
    return (bucket.owners[key] ??= keep(full([bucket.elements], 0)));
  }

  /** A new view of `p`'s slot of `key` (the caller keeps it in the parameter's state). */
  view(p: Tensor, key: MomentKey): Tensor {
    const bucket = this.bucketOf.get(p)!;
    return keep(this.owner(bucket, key).viewOf(p.shape, contiguousStrides(p.shape), bucket.offsets.get(p)!));
  }

  /** Whether `t` is `p`'s slot of `key` in this layout. */
  holds(p: Tensor, key: MomentKey, t: Tensor): boolean {
    const bucket = this.bucketOf.get(p)!;
    return bucket.owners[key]?.storage === t.storage && t.offset === bucket.offsets.get(p);
  }

  /**
   * Moves every moment tensor of these parameters' state that lives elsewhere into its slot,
   * replacing it in the state by the view. Slots nobody's state refers to hold zeros: the
   * layout is fresh whenever state from outside can arrive.
   */
  adopt(state: ReadonlyMap<Tensor, ParamState>): void {
    for (const p of this.params) {
      const s = state.get(p);
      if (!s) continue;
      for (const key of MOMENT_KEYS) {
        const t = s[key];
        if (t === undefined || typeof t === 'number' || this.holds(p, key, t)) continue;
        const slot = this.view(p, key);
        const src = t.isContiguous() ? t : contiguous(t);
        // float32 always: the optimizer made it, or loadStateDict converted it.
        copyBuffer(src.storage.buffer, src.offset * 4, slot.storage.buffer, slot.offset * 4, p.numel * 4);
        if (src !== t) src.dispose();
        t.dispose();
        s[key] = slot;
      }
    }
  }

  /** Frees the buffers (views still held elsewhere keep theirs alive until disposed). */
  dispose(): void {
    for (const b of this.buckets) for (const key of MOMENT_KEYS) b.owners[key]?.dispose();
  }
}
