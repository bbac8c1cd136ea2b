// GPU errors, collected. WebGPU reports compilation, validation and out-of-memory errors (and
// index-faults.ts its bad indices) asynchronously, long after the call that caused them; they are
// gathered here so that the next readback or synchronize() throws the first of them, and a bad
// kernel never reads as zeros.

const pendingChecks: Array<Promise<void>> = [];
const gpuErrors: string[] = [];

export function reportGpuError(message: string): void {
  gpuErrors.push(message);
}

/** Makes the next readback wait for `check` (and throw what it reported). */
export function checkAtNextReadback(...checks: Array<Promise<void>>): void {
  pendingChecks.push(...checks);
}

/** Makes the next readback wait for `check`; forgotten once settled, so a loop without readbacks does not pile them up. */
export function watch(check: Promise<void>): void {
  pendingChecks.push(check);
  void check.finally(() => {
    const at = pendingChecks.indexOf(check);
    if (at >= 0) pendingChecks.splice(at, 1);
  });
}

/** Waits for the checks so far and throws the first error reported (readbacks and synchronize() call it). */
export async function throwGpuErrors(): Promise<void> {
  await Promise.all(pendingChecks.splice(0));
  if (gpuErrors.length > 0) {
    // Root causes first: a compile error explains the "invalid pipeline" errors after it.
    // Identical reports (a bad index seen by an op's forward and again by its backward) are one error.
    const all = [...new Set(gpuErrors.splice(0))].sort((a, b) => Number(b.includes('does not compile')) - Number(a.includes('does not compile')));
    throw new Error(all.length === 1 ? all[0] : `${all[0]}\n(and ${all.length - 1} more WebGPU errors)`);
  }
}
