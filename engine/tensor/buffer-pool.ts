// Size-bucketed pool of storage buffers. Sizes round up to 2^k or 1.5·2^k bytes, so a
// training loop that allocates the same shapes every step reuses the same buffers and
// never waits on createBuffer, while wasting at most a third of a buffer.
//
// The pool gives memory back to the device past a high-water mark (the memory budget,
// set by memory.ts): before it grows past the mark, and after releases leave it past the
// mark, it destroys pooled buffers, largest first and within a size the longest idle
// first (PyTorch's allocator, past its `garbage_collection_threshold`, frees the longest
// unused). Live buffers are never touched, so when live memory alone is past the mark
// nothing helps but freeing tensors (memory.ts warns about that).

import { gpu } from '../device/device.js';
import { clearBindGroupCache, flush } from '../kernels/runtime.js';

const usage = () => GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;

export function bucketSize(bytes: number): number {
  const size = Math.max(bytes, 16);
  const pow = 2 ** Math.ceil(Math.log2(size));
  const threeQuarters = (pow / 4) * 3;
  return threeQuarters >= size && Number.isInteger(threeQuarters) && threeQuarters % 4 === 0 ? threeQuarters : pow;
}

class BufferPool {
  // Per size, oldest release first: acquire() pops the most recent (its bind groups are
  // the ones still cached), trimming shifts the longest idle.
  private free = new Map<number, GPUBuffer[]>();
  private trimQueued = false;
  pooledBytes = 0;
  allocatedBytes = 0;
  /** Bytes of pooled buffers destroyed so far (high-water trims and emptyCache). */
  trimmedBytes = 0;
  /** Live + pooled bytes above which pooled buffers are destroyed. */
  highWater = Infinity;
  /** Runs for every buffer handed out, taken from the pool or about to be created (memory.ts: collections, warnings). */
  onAcquire: ((size: number, reused: boolean) => void) | undefined;

  acquire(bytes: number): GPUBuffer {
    const size = bucketSize(bytes);
    const reused = this.take(size);
    if (reused) {
      this.onAcquire?.(size, true);
      return reused;
    }
    const { device, limits } = gpu();
    if (size > limits.maxBufferSize) {
      throw new Error(`webgrad: a tensor of ${bytes} bytes exceeds this adapter's maxBufferSize (${limits.maxBufferSize}); split the work into smaller batches`);
    }
    this.onAcquire?.(size, false);
    this.fitHighWater(size);
    this.allocatedBytes += size;
    return device.createBuffer({ size, usage: usage() });
  }

  release(buffer: GPUBuffer): void {
    const size = buffer.size;
    let list = this.free.get(size);
    if (!list) this.free.set(size, (list = []));
    list.push(buffer);
    this.pooledBytes += size;
    // Not here and now: the caller may be in the middle of an op, and a batch of releases
    // (a tidy scope ending, the finalizers of a collection) is trimmed with one flush.
    if (this.allocatedBytes > this.highWater && !this.trimQueued) {
      this.trimQueued = true;
      queueMicrotask(() => {
        this.trimQueued = false;
        this.fitHighWater(0);
      });
    }
  }

  /**
   * Destroys pooled buffers, largest first and within a size the longest idle first,
   * until live + pooled bytes are at most `allocatedLimit` or the pool is empty.
   */
  trimTo(allocatedLimit: number): void {
    if (this.pooledBytes === 0 || this.allocatedBytes <= allocatedLimit) return;
    // A pooled buffer may still be bound by the batch being recorded; destroying it before
    // that batch is submitted would invalidate the whole submit. After submit it is fine:
    // WebGPU keeps a destroyed buffer's memory until the queued work using it completes.
    flush();
    const sizes = [...this.free.keys()].sort((a, b) => b - a);
    for (const size of sizes) {
      const list = this.free.get(size)!;
      while (list.length > 0 && this.allocatedBytes > allocatedLimit) {
        list.shift()!.destroy();
        this.pooledBytes -= size;
        this.allocatedBytes -= size;
        this.trimmedBytes += size;
      }
      if (list.length === 0) this.free.delete(size);
      if (this.allocatedBytes <= allocatedLimit) break;
    }
  }

  /** Destroys every pooled buffer (live tensors keep theirs). */
  trim(): void {
    this.trimTo(this.allocatedBytes - this.pooledBytes);
    clearBindGroupCache();
  }

  /**
   * Makes room for `extra` more bytes under the high-water mark. When the buffers in use
   * already fill it, the mark cannot be met: destroying pooled buffers would then only
   * cost re-creating them (memory.ts warns instead).
   */
  fitHighWater(extra: number): void {
    if (this.allocatedBytes + extra <= this.highWater) return;
    if (this.allocatedBytes - this.pooledBytes + extra > this.highWater) return;
    this.trimTo(this.highWater - extra);
  }

  private take(size: number): GPUBuffer | undefined {
    const reused = this.free.get(size)?.pop();
    if (reused) this.pooledBytes -= size;
    return reused;
  }
}

export const bufferPool = new BufferPool();
