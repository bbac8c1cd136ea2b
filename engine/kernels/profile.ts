// Where the GPU time goes, by kernel family and by layer: while profiling is on, every dispatch is
// timed alone (the WEBGRAD_DEBUG path, GPU timestamps where the adapter has them) and charged to
// the current scope — the module whose forward recorded it, and for backward kernels the module
// whose forward recorded the graph node (the node keeps its scope). Off, it costs one branch.

import { debugFlags } from '../device/debug.js';

let scope = '';
let names: WeakMap<object, string> | undefined;
const byScope = new Map<string, Map<string, { count: number; ms: number }>>();

/** The scope the next dispatch is charged to ('' outside any named module). */
export function profileScope(): string {
  return scope;
}

/** Runs fn with `name` as the current scope (nested scopes: the innermost wins). */
export function withProfileScope<T>(name: string, fn: () => T): T {
  const outer = scope;
  scope = name;
  try {
    return fn();
  } finally {
    scope = outer;
  }
}

/** The scope a module's forward runs in, when profiling named it (see startProfiling). */
export function moduleScopeName(module: object): string | undefined {
  return names?.get(module);
}

/**
 * Times every dispatch from now on; `modules` (e.g. [['', model], ['layer1', …], …] from
 * model.namedModules()) names the scopes. Returns a stop function giving the report.
 */
export function startProfiling(modules: Iterable<[string, object]> = []): () => ProfileReport {
  const wasTiming = debugFlags.timing;
  debugFlags.timing = true;
  names = new WeakMap([...modules].map(([name, m]) => [m, name || '(model)']));
  byScope.clear();
  return () => {
    debugFlags.timing = wasTiming;
    names = undefined;
    return report();
  };
}

/** Called by the runtime for each timed dispatch. */
export function chargeDispatch(kernelKey: string, atScope: string, ms: number): void {
  const family = kernelKey.split(':').slice(0, 2).join(':');
  const perFamily = byScope.get(atScope) ?? new Map<string, { count: number; ms: number }>();
  const entry = perFamily.get(family) ?? { count: 0, ms: 0 };
  entry.count++;
  entry.ms += ms;
  perFamily.set(family, entry);
  byScope.set(atScope, perFamily);
}

export interface ProfileReport {
  totalMs: number;
  /** Kernel families ('conv2d:fwd', 'batchnorm:apply' …) by total time. */
  families: Array<{ family: string; count: number; ms: number }>;
  /** Scopes (module paths) by total time, with their families. */
  layers: Array<{ scope: string; ms: number; families: Array<{ family: string; count: number; ms: number }> }>;
}

function report(): ProfileReport {
  const families = new Map<string, { count: number; ms: number }>();
  const layers: ProfileReport['layers'] = [];
  for (const [s, perFamily] of byScope) {
    let ms = 0;
    const list = [...perFamily].map(([family, e]) => ({ family, ...e })).sort((a, b) => b.ms - a.ms);
    for (const f of list) {
      ms += f.ms;
      const total = families.get(f.family) ?? { count: 0, ms: 0 };
      total.count += f.count;
      total.ms += f.ms;
      families.set(f.family, total);
    }
    layers.push({ scope: s || '(outside any module)', ms, families: list });
  }
  const familyList = [...families].map(([family, e]) => ({ family, ...e })).sort((a, b) => b.ms - a.ms);
  return { totalMs: familyList.reduce((s, f) => s + f.ms, 0), families: familyList, layers: layers.sort((a, b) => b.ms - a.ms) };
}
