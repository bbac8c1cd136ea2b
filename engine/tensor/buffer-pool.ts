// Size-bucketed pool of storage buffers. Sizes round up to 2^k or 1.5·2^k bytes, so a
// training loop that allocates the same shapes every step reuses the same buffers and
// never waits on createBuffer, while wasting at most a third of a buffer.

import { gpu } from '../device/device.js';
import { clearBindGroupCache } from '../kernels/runtime.js';

const usage = () => GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;

export function bucketSize(bytes: number): number {
  const size = Math.max(bytes, 16);
  const pow = 2 ** Math.ceil(Math.log2(size));
  const threeQuarters = (pow / 4) * 3;
  return threeQuarters >= size && Number.isInteger(threeQuarters) && threeQuarters % 4 === 0 ? threeQuarters : pow;
}

class BufferPool {
  private free = new Map<number, GPUBuffer[]>();
  pooledBytes = 0;
  allocatedBytes = 0;

  acquire(bytes: number): GPUBuffer {
    const size = bucketSize(bytes);
    const list = this.free.get(size);
    const reused = list?.pop();
    if (reused) {
      this.pooledBytes -= size;
      return reused;
    }
    const { device, limits } = gpu();
    if (size > limits.maxBufferSize) {
      throw new Error(`webgrad: a tensor of ${bytes} bytes exceeds this adapter's maxBufferSize (${limits.maxBufferSize}); split the work into smaller batches`);
    }
    this.allocatedBytes += size;
    return device.createBuffer({ size, usage: usage() });
  }

  release(buffer: GPUBuffer): void {
    const size = buffer.size;
    let list = this.free.get(size);
    if (!list) this.free.set(size, (list = []));
    list.push(buffer);
    this.pooledBytes += size;
  }

  /** Destroys every pooled buffer (live tensors keep theirs). */
  trim(): void {
    clearBindGroupCache();
    for (const list of this.free.values()) for (const buffer of list) buffer.destroy();
    this.allocatedBytes -= this.pooledBytes;
    this.free.clear();
    this.pooledBytes = 0;
  }
}

export const bufferPool = new BufferPool();
