// Trained Resnt18Rnn weights back into a model: the shape (classes, LSTM size and layers) read off
// the state dict, so a file saved by the seed's own PyTorch code works too, and the class names
// from the class map beside the weights (train:hmdb writes it), a given map, or given names. The
// part that needs no files (shape, class map text, messages) is trained-model-shape.ts, shared with web/.

import { existsSync, readFileSync } from 'node:fs';
import { loadWeightsFile, type Resnt18Rnn } from '../../models/index.js';
import { classMapPath } from './outputs.js';
import { classMapUnreadable, modelFromStateDict, parseClassMap, type ResolvedClasses } from './trained-model-shape.js';

export type { ResolvedClasses } from './trained-model-shape.js';

export const DEFAULT_WEIGHTS = 'models/weights_rnn.pt';

export interface TrainedModelOptions {
  /** Class names by index; overrides the class map. */
  classNames?: string[];
  /** A class map JSON (train:hmdb's { classes: [...] } or a plain array of names); default: beside the weights. */
  classMap?: string;
  /** Reproduce the reference forward (clips leak into each other for B > 1; at B = 1 the same). */
  seedCompat?: boolean;
}

function readClassMap(path: string): ResolvedClasses {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw classMapUnreadable(path, e);
  }
  return parseClassMap(text, path);
}

function resolveClasses(weights: string, o: TrainedModelOptions): ResolvedClasses {
  if (o.classNames) return { names: o.classNames, source: 'the given names' };
  if (o.classMap) return readClassMap(o.classMap);
  const beside = classMapPath(weights);
  return existsSync(beside) ? readClassMap(beside) : { names: null, source: null };
}

/** The model in eval mode, and its class names (null when none are known). */
export async function loadTrainedModel(weights: string, o: TrainedModelOptions = {}): Promise<{ model: Resnt18Rnn; classes: ResolvedClasses }> {
  if (!existsSync(weights)) {
    throw new Error(`no weights at ${weights}; train first (npm run train:hmdb) or pass --weights <file>`);
  }
  const classes = resolveClasses(weights, o);
  const sd = await loadWeightsFile(weights);
  try {
    return { model: modelFromStateDict(sd, weights, classes, o.seedCompat), classes };
  } finally {
    for (const t of sd.values()) t.dispose();
  }
}
