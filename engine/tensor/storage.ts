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

  /** Drops one reference; true when it was the last and the buffer went back to the pool. */
  release(): boolean {
    if (--this.refs !== 0) return false;
    Storage.liveBytes -= this.byteLength;
    Storage.liveCount--;
    bufferPool.release(this.buffer);
    return true;
  }
}
