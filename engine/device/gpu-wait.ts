// Waiting on a WebGPU promise without spinning a core.
//
// Dawn's Node binding polls its instance from a setImmediate loop for as long as any
// promise (mapAsync, onSubmittedWorkDone) is pending: on a 2-core machine running a
// software adapter that loop steals about a third of the compute. While one of our
// waits is in flight we swap the global setImmediate for a version that yields to the
// timer phase for a short, growing interval, so the poll becomes a sleep. Other
// setImmediate users in the process are merely delayed by at most `maxSleepMs`.

type Immediate = typeof globalThis.setImmediate;

const maxSleepMs = 2;
let waiters = 0;
let original: Immediate | undefined;
let sleepMs = 0;

function throttledImmediate(this: unknown, callback: (...args: unknown[]) => void, ...args: unknown[]) {
  sleepMs = Math.min(maxSleepMs, sleepMs === 0 ? 0.05 : sleepMs * 2);
  return setTimeout(callback, sleepMs, ...args) as unknown as ReturnType<Immediate>;
}

function isNode(): boolean {
  return typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string'
    && typeof globalThis.setImmediate === 'function';
}

/** Awaits `promise` (a WebGPU operation) while keeping Dawn's event polling from busy-spinning. */
export async function gpuWait<T>(promise: Promise<T>): Promise<T> {
  if (!isNode()) return promise;
  if (waiters++ === 0) {
    original = globalThis.setImmediate;
    sleepMs = 0;
    (globalThis as { setImmediate: unknown }).setImmediate = throttledImmediate;
  }
  try {
    return await promise;
  } finally {
    if (--waiters === 0 && original) {
      globalThis.setImmediate = original;
      original = undefined;
    }
  }
}
