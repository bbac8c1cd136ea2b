// A GPU buffer shared by a tensor and its views. Reference-counted: each tensor handle
// and each autograd node that saved the tensor holds one reference; the buffer returns
// to the pool when the last one goes. `version` counts in-place writes so backward can
// detect a saved tensor that was modified after it was saved (as PyTorch does).

import { bufferPool } from './buffer-pool.js';

export class Storage {
  readonly buffer: GPUBuffer;
  readonly byteLength: number;
  refs = 1;
  version = 0;
  /** Caches computed from this storage's contents (a conv weight folded for inference), released with it. */
  private derived?: Map<string, { release(): void }>;
  static liveBytes = 0;
  static liveCount = 0;

  constructor(byteLength: number) {
    this.byteLength = byteLength;
    this.buffer = bufferPool.acquire(byteLength);
    Storage.liveBytes += byteLength;
    Storage.liveCount++;
  }

  retain(): this {
    if (this.refs <= 0) throw new Error('webgrad: internal error: retain() on a released storage');
    this.refs++;
    return this;
  }

  /** The cache stored under `key` by setDerived, if any. */
  getDerived<T extends { release(): void }>(key: string): T | undefined {
    return this.derived?.get(key) as T | undefined;
  }

  /** Stores a cache derived from this storage under `key`, releasing the one it replaces. */
  setDerived(key: string, value: { release(): void }): void {
    this.derived ??= new Map();
    this.derived.get(key)?.release();
    this.derived.set(key, value);
  }

  /** Drops one reference; true when it was the last and the buffer went back to the pool. */
  release(): boolean {
    if (--this.refs !== 0) return false;
    if (this.derived) for (const d of this.derived.values()) d.release();
    this.derived = undefined;
    Storage.liveBytes -= this.byteLength;
    Storage.liveCount--;
    bufferPool.release(this.buffer);
    return true;
  }
}
