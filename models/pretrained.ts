// Pretrained weights into a model: resolved (cache or download), loaded, checked strictly.
// loadWeightsInto is for callers that must have the weights (resnet18({ weights })); the
// lenient loadPretrained is for models whose pretrained part is a head start, not a requirement
// (Resnt18Rnn): it reports unavailable weights once per process (console.warn) and carries on from random init.

import type { nn } from '../engine/index.js';
import { loadWeightsFile, resolveWeights, type ResolveWeightsOptions } from './weights/index.js';

export type PretrainedStatus = 'none' | 'loading' | 'loaded' | 'unavailable';

export interface LoadWeightsIntoOptions extends ResolveWeightsOptions {
  /** Keys of the file that the model does not have (e.g. a replaced classifier's `fc.weight`). */
  dropKeys?: string[];
}

/** Resolves `weights` for `arch` (a registered name or a path) and loads it strictly into `model`. */
export async function loadWeightsInto(model: nn.Module, arch: string, weights: string, options: LoadWeightsIntoOptions = {}): Promise<void> {
  const path = await resolveWeights(arch, weights, options);
  const stateDict = await loadWeightsFile(path);
  try {
    for (const key of options.dropKeys ?? []) {
      stateDict.get(key)?.dispose();
      stateDict.delete(key);
    }
    model.loadStateDict(stateDict);
  } catch (error) {
    throw new Error(`${arch}: the weights in ${path} do not fit the model: ${(error as Error).message}`, { cause: error });
  } finally {
    for (const t of stateDict.values()) t.dispose();
  }
}

const reported = new Set<string>();

/** loadWeightsInto, but a failure is reported once (stderr) and the model keeps its random init. */
export async function loadPretrained(model: nn.Module, arch: string, weights: string, options: LoadWeightsIntoOptions = {}): Promise<PretrainedStatus> {
  try {
    await loadWeightsInto(model, arch, weights, options);
    return 'loaded';
  } catch (error) {
    const key = `${arch}:${weights}`;
    if (!reported.has(key)) {
      reported.add(key);
      console.warn(`webgrad: ${(error as Error).message}\nwebgrad: continuing with randomly initialised ${arch} weights.`);
    }
    return 'unavailable';
  }
}
