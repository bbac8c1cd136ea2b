// Deterministic release of GPU memory: tidy() scopes, keep(), and a FinalizationRegistry
// safety net for handles the program simply forgot. The tensor class reports its handles
// here; this module never looks inside them beyond `dispose()`.

import { bufferPool } from './buffer-pool.js';
import { Storage } from './storage.js';

export interface Disposable {
  dispose(): void;
  readonly disposed: boolean;
}

const scopes: Array<Set<Disposable>> = [];
let liveHandles = 0;

const registry = new FinalizationRegistry<Storage>((storage) => {
  liveHandles--;
  storage.release();
});

/** Called by every new tensor handle. */
export function track(handle: Disposable, storage: Storage): void {
  liveHandles++;
  registry.register(handle, storage, handle);
  scopes[scopes.length - 1]?.add(handle);
}

/** Called when a handle is disposed explicitly. */
export function untrack(handle: Disposable): void {
  liveHandles--;
  registry.unregister(handle);
}

/** Removes a handle from every open tidy scope, so it outlives them. */
export function keep<T extends Disposable>(handle: T): T {
  for (const scope of scopes) scope.delete(handle);
  return handle;
}

function collect(value: unknown, into: Set<Disposable>, depth = 0): void {
  if (value === null || typeof value !== 'object' || depth > 4) return;
  if ('dispose' in value && 'disposed' in value) {
    into.add(value as Disposable);
    return;
  }
  const items = Array.isArray(value) ? value : value instanceof Map ? [...value.values()] : Object.values(value);
  for (const item of items) collect(item, into, depth + 1);
}

/**
 * Runs fn and disposes every tensor created inside it except those it returns (found in
 * arrays, maps and plain objects) and those passed to keep(). Async functions are not
 * allowed: a scope must not span an await, or tensors of unrelated code would be caught.
 */
export function tidy<T>(fn: () => T): T {
  const scope = new Set<Disposable>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (error) {
    scopes.pop();
    for (const handle of scope) if (!handle.disposed) handle.dispose();
    throw error;
  }
  scopes.pop();
  if (result instanceof Promise) {
    throw new Error('tidy: the function returned a Promise; tidy scopes must be synchronous (await outside, or dispose() by hand)');
  }
  const returned = new Set<Disposable>();
  collect(result, returned);
  const parent = scopes[scopes.length - 1];
  for (const handle of scope) {
    if (returned.has(handle)) parent?.add(handle);
    else if (!handle.disposed) handle.dispose();
  }
  return result;
}

export interface MemoryStats {
  /** Tensor handles not yet disposed (views count separately). */
  liveTensors: number;
  /** Distinct GPU storages alive and their bytes. */
  liveStorages: number;
  liveBytes: number;
  /** Bytes sitting in the buffer pool, ready for reuse. */
  poolBytes: number;
  /** All bytes webgrad has allocated on the GPU (live + pooled). */
  allocatedBytes: number;
}

export function memoryStats(): MemoryStats {
  return {
    liveTensors: liveHandles,
    liveStorages: Storage.liveCount,
    liveBytes: Storage.liveBytes,
    poolBytes: bufferPool.pooledBytes,
    allocatedBytes: bufferPool.allocatedBytes,
  };
}
