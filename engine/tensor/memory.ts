// Deterministic release of GPU memory: tidy() scopes, keep(), and a FinalizationRegistry
// safety net for handles the program simply forgot. The tensor class reports its handles
// here; this module never looks inside them beyond `dispose()`. The safety net alone is
// not enough: a handle costs V8 ~100 bytes while its buffer costs the GPU megabytes, so
// the JS heap never fills and V8 never collects. The memory budget, at the end of this
// file, asks for collections as GPU memory grows.

import { gpu, isInitialised } from '../device/device.js';
import { releaseMatmulTextures } from '../kernels/matmul-texture.js';
import { bufferPool } from './buffer-pool.js';
import { Storage } from './storage.js';

export interface Disposable {
  dispose(): void;
  readonly disposed: boolean;
}

const scopes: Array<Set<Disposable>> = [];
let liveHandles = 0;

const reclaimed = { tensors: 0, bytes: 0 };

const registry = new FinalizationRegistry<Storage>((storage) => {
  liveHandles--;
  reclaimed.tensors++;
  if (storage.release()) reclaimed.bytes += storage.byteLength;
  liveBaseline = Math.min(liveBaseline, Storage.liveBytes);
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

// ---- The memory budget -------------------------------------------------------------
//
// Collections are paced by GPU memory, as V8 paces its own by heap size. The finalizers a
// GC makes due — they return the forgotten buffers to the pool — run in a later task, so
// the allocation that asks for a collection cannot wait for it; the buffers come back at
// the program's next await (a readback, synchronize(), a timer) and are reused after it.
// Two triggers, both at most once per collection's round trip:
//   growth: creating a buffer would take live + pooled bytes a `step` past what was live
//     after the last collection (or half of that live memory if more: a model being
//     loaded pays a logarithmic number of collections);
//   drain:  the last collection returned at least half a step (the program leaks) and the
//     pool is down to half of that: collect now, so the other half covers the steps until
//     the finalizers run, instead of the pool growing by those steps every cycle.
// The step is 64 MiB (budget/8 if less), widened up to budget/4 while collections take
// over a tenth of the program's time (a fast GPU leaking quickly), narrowed back when
// they take under a fortieth. A program that disposes its tensors neither grows nor has
// its pool refilled by the safety net, so it never pays for a collection.
//
// A loop that never awaits cannot get memory back before it does: it gets one collection,
// a warning at the budget, and a catch-up collection once it yields. V8's flagged
// FinalizationRegistry.prototype.cleanupSome could run the finalizers synchronously, but
// inside an op: a kernel launcher holding a buffer whose handle the optimizer already
// considers dead would get that buffer back as its own output.
//
// Node exposes gc() through V8's flags. Browsers give a page no way to force a collection
// (globalThis.gc exists only when Chrome runs with --js-flags=--expose-gc, and is used
// then); there the budget trims the pool and warns, with the numbers.

const MiB = 2 ** 20;
const GiB = 2 ** 30;
/** Growth between collections: a full GC of webgrad's 10-50 MB JS heap takes 5-30 ms on lavapipe's 2 cores. */
const growthStep = 64 * MiB;
const baseStep = () => Math.min(growthStep, (budget ?? Infinity) / 8);
const stepCap = () => Math.max(baseStep(), (budget ?? Infinity) / 4);

let collector: (() => void) | undefined;
let step = growthStep;
let lastCollectionEnd = -Infinity;
let explicitBudget: number | undefined;
let budget: number | undefined;
let collections = 0;
let collectionPending = false;
let reclaimedAtCollection = 0;
// Live bytes after the last collection's finalizers ran (each finalizer lowers it).
let liveBaseline = 0;
let warned = false;

function readEnv(name: string): string | undefined {
  const proc = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  const fromEnv = proc?.env?.[name];
  if (fromEnv !== undefined) return fromEnv;
  const fromGlobal = (globalThis as Record<string, unknown>)[name];
  return typeof fromGlobal === 'string' ? fromGlobal : undefined;
}

const units: Record<string, number> = { '': 1, b: 1, k: 1e3, kb: 1e3, kib: 2 ** 10, m: 1e6, mb: 1e6, mib: MiB, g: 1e9, gb: 1e9, gib: GiB };

/** Parses a budget as WEBGRAD_MEMORY_BUDGET gives it: bytes, a size (`512MiB`, `2GB`), or `off`. */
export function parseMemoryBudget(text: string): number {
  const value = text.trim().toLowerCase();
  if (['off', 'none', 'inf', 'infinity'].includes(value)) return Infinity;
  const match = /^(\d+(?:\.\d+)?)\s*([kmg]?i?b?)$/.exec(value);
  const unit = match ? units[match[2]!] : undefined;
  if (!match || unit === undefined) {
    throw new Error(`webgrad: WEBGRAD_MEMORY_BUDGET='${text}' is not a size; use bytes (1073741824), a size with a unit (512MiB, 2GB) or 'off'`);
  }
  return Math.round(Number(match[1]) * unit);
}

/**
 * The default budget. WebGPU does not tell how much memory a device has; the one memory
 * figure it gives is maxBufferSize, and a device that accepts a single buffer that large
 * holds at least that much (lavapipe reports 4 GiB, desktop GPUs 2 GiB or more). The floor
 * is 1 GiB, which any WebGPU device has. Erring high only means the pool is trimmed later
 * (PyTorch's allocator never trims by itself): leaks are caught by the collections, which
 * are paced by growth, not by the budget.
 */
function defaultBudget(): number {
  return Math.max(gpu().limits.maxBufferSize, GiB);
}

function resolveBudget(): number {
  const env = readEnv('WEBGRAD_MEMORY_BUDGET');
  const resolved = explicitBudget ?? (env ? parseMemoryBudget(env) : defaultBudget());
  bufferPool.highWater = resolved;
  budget = resolved;
  step = baseStep();
  return resolved;
}

/**
 * The GPU memory budget in bytes (Infinity when off): set by setMemoryBudget() or
 * init({ memoryBudget }), else WEBGRAD_MEMORY_BUDGET, else max(maxBufferSize, 1 GiB).
 */
export function memoryBudget(): number {
  return budget ?? (explicitBudget !== undefined || isInitialised() ? resolveBudget() : Infinity);
}

/**
 * Sets the GPU memory budget in bytes. Past it the pool gives buffers back to the device,
 * and if live tensors alone exceed it webgrad warns once. It also bounds the growth that
 * sets off a collection of forgotten tensors (64 MiB or budget/8, up to budget/4 while
 * collections are slow). `Infinity` turns all of it off; `undefined` restores the default
 * (WEBGRAD_MEMORY_BUDGET, else the device's). Like PyTorch, webgrad never refuses an
 * allocation for the budget's sake.
 */
export function setMemoryBudget(bytes: number | undefined): void {
  if (bytes !== undefined && !(bytes >= 0)) {
    throw new Error(`setMemoryBudget: expected a number of bytes >= 0, or Infinity to turn the budget off; got ${bytes}`);
  }
  explicitBudget = bytes;
  budget = undefined;
  warned = false;
  if (isInitialised() || bytes !== undefined) resolveBudget();
  bufferPool.fitHighWater(0);
}

/**
 * Finds a way to force a garbage collection: globalThis.gc where the runtime exposes it
 * (node --expose-gc, Chrome with --js-flags=--expose-gc), else, in Node, V8's gc extension
 * switched on at run time (as test/helpers/gc.ts does). Called by init().
 */
export async function installCollector(): Promise<void> {
  if (collector) return;
  const exposed = (globalThis as { gc?: unknown }).gc;
  if (typeof exposed === 'function') {
    collector = exposed as () => void;
    return;
  }
  if (typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node !== 'string') return;
  try {
    // Variable names keep bundlers from resolving Node's modules in browser builds.
    const v8Name = 'node:v8';
    const vmName = 'node:vm';
    const v8 = (await import(/* @vite-ignore */ v8Name)) as { setFlagsFromString(flags: string): void };
    const vm = (await import(/* @vite-ignore */ vmName)) as { runInNewContext(code: string): unknown };
    v8.setFlagsFromString('--expose_gc');
    const gc = vm.runInNewContext('gc');
    if (typeof gc === 'function') collector = gc as () => void;
  } catch {
    // No collections then; the pool still trims and the budget still warns.
  }
}

function forceCollection(): void {
  const start = performance.now();
  collector!();
  const spent = performance.now() - start;
  const since = start - lastCollectionEnd;
  if (spent * 10 > since) step = Math.min(step * 2, stepCap());
  else if (spent * 40 < since) step = Math.max(step / 2, baseStep());
  lastCollectionEnd = start + spent;
  collections++;
  collectionPending = true;
  reclaimedAtCollection = reclaimed.bytes;
  const allocatedAtCollection = bufferPool.allocatedBytes;
  // The finalizers run in a task of their own, before this timer in Node. A program that
  // never yields keeps the flag set, and is not collected again in vain; once it yields,
  // what it created meanwhile is collected at once if it is more than a step (the one
  // collection it had found only what was dead then).
  setTimeout(() => {
    collectionPending = false;
    liveBaseline = Storage.liveBytes;
    if (budget !== Infinity && bufferPool.allocatedBytes - allocatedAtCollection >= step) forceCollection();
  }, 0);
}

const mb = (bytes: number) => (bytes / MiB).toFixed(0);

function warnOverBudget(limit: number, size: number): void {
  warned = true;
  const inUse = bufferPool.allocatedBytes - bufferPool.pooledBytes;
  console.warn(`webgrad: ${mb(bufferPool.allocatedBytes + size)} MB of GPU memory allocated, ${mb(inUse)} MB of it held by ` +
    `${liveHandles} live tensors, over the memory budget of ${mb(limit)} MB. Tensors the program no longer references are ` +
    `freed only when the garbage collector finds them${collector ? ' and the program next awaits' : ''}: free them with ` +
    'tidy(), dispose() or `using`, or raise the budget (setMemoryBudget(bytes), init({ memoryBudget }), WEBGRAD_MEMORY_BUDGET).');
}

bufferPool.onAcquire = (size: number, reused: boolean) => {
  const limit = budget ?? resolveBudget();
  if (limit === Infinity) return;
  if (reused) {
    const returned = reclaimed.bytes - reclaimedAtCollection;
    if (collector && !collectionPending && returned >= step / 2 && bufferPool.pooledBytes < returned / 2) forceCollection();
    return;
  }
  const after = bufferPool.allocatedBytes + size;
  if (collector && !collectionPending && after > liveBaseline + Math.max(step, liveBaseline / 2)) forceCollection();
  if (!warned && after - bufferPool.pooledBytes > limit) warnOverBudget(limit, size);
};

/** Destroys every pooled buffer, as PyTorch's torch.cuda.empty_cache(): live tensors keep theirs. */
export function emptyCache(): void {
  bufferPool.trim();
  releaseMatmulTextures();
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
  /** The memory budget in bytes (Infinity when off); see setMemoryBudget(). */
  budgetBytes: number;
  /** Garbage collections webgrad forced because GPU memory grew (0 in a program that disposes its tensors). */
  collections: number;
  /** Tensor handles the safety net freed because the program dropped them without dispose(), and the storage bytes that freed. */
  reclaimedTensors: number;
  reclaimedBytes: number;
  /** Bytes of pooled buffers given back to the device (past the budget, or by emptyCache()). */
  poolTrimmedBytes: number;
}

export function memoryStats(): MemoryStats {
  return {
    liveTensors: liveHandles,
    liveStorages: Storage.liveCount,
    liveBytes: Storage.liveBytes,
    poolBytes: bufferPool.pooledBytes,
    allocatedBytes: bufferPool.allocatedBytes,
    budgetBytes: memoryBudget(),
    collections,
    reclaimedTensors: reclaimed.tensors,
    reclaimedBytes: reclaimed.bytes,
    poolTrimmedBytes: bufferPool.trimmedBytes,
  };
}
