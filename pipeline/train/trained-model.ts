// Trained Resnt18Rnn weights back into a model: the shape (classes, LSTM size and layers) read off
// the state dict, so a file saved by the seed's own PyTorch code works too, and the class names
// from the class map beside the weights (train:hmdb writes it), a given map, or given names.

import { existsSync, readFileSync } from 'node:fs';
import type { Tensor } from '../../engine/index.js';
import { loadWeightsFile, Resnt18Rnn } from '../../models/index.js';
import { type ClassMap, classMapPath } from './outputs.js';

export const DEFAULT_WEIGHTS = 'models/weights_rnn.pt';

export interface TrainedModelOptions {
  /** Class names by index; overrides the class map. */
  classNames?: string[];
  /** A class map JSON (train:hmdb's { classes: [...] } or a plain array of names); default: beside the weights. */
  classMap?: string;
  /** Reproduce the reference forward (clips leak into each other for B > 1; at B = 1 the same). */
  seedCompat?: boolean;
}

export interface ResolvedClasses { names: string[] | null; source: string | null; map?: Partial<ClassMap> }

function readClassMap(path: string): ResolvedClasses {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`cannot read the class map ${path} (${(e as Error).message}); it must be train:hmdb's JSON or an array of names`);
  }
  const names = Array.isArray(parsed) ? parsed : (parsed as { classes?: unknown }).classes;
  if (!Array.isArray(names) || !names.every((n) => typeof n === 'string')) {
    throw new Error(`${path} holds no class names: expected { "classes": ["name of index 0", …] } or ["name", …]`);
  }
  return { names, source: path, map: Array.isArray(parsed) ? undefined : parsed as Partial<ClassMap> };
}

function resolveClasses(weights: string, o: TrainedModelOptions): ResolvedClasses {
  if (o.classNames) return { names: o.classNames, source: 'the given names' };
  if (o.classMap) return readClassMap(o.classMap);
  const beside = classMapPath(weights);
  return existsSync(beside) ? readClassMap(beside) : { names: null, source: null };
}

/** Resnt18Rnn's size from a state dict: classes from fc1, hidden size and layers from the LSTM. */
function modelShape(sd: Map<string, Tensor>, weights: string): { numClasses: number; hidden: number; layers: number } {
  const fc1 = sd.get('fc1.weight');
  const hh = sd.get('rnn.weight_hh_l0');
  if (!fc1 || !hh || !sd.has('baseModel.conv1.weight')) {
    const keys = [...sd.keys()];
    throw new Error(`${weights} is not a Resnt18Rnn state dict (expected baseModel.*, rnn.weight_hh_l0, fc1.weight; `
      + `it has ${keys.slice(0, 4).join(', ')}${keys.length > 4 ? `, … ${keys.length} keys` : ''})`);
  }
  let layers = 0;
  while (sd.has(`rnn.weight_hh_l${layers}`)) layers++;
  return { numClasses: fc1.shape[0]!, hidden: hh.shape[1]!, layers };
}


/** The model in eval mode, and its class names (null when none are known). */
export async function loadTrainedModel(weights: string, o: TrainedModelOptions = {}): Promise<{ model: Resnt18Rnn; classes: ResolvedClasses }> {
  if (!existsSync(weights)) {
    throw new Error(`no weights at ${weights}; train first (npm run train:hmdb) or pass --weights <file>`);
  }
  const classes = resolveClasses(weights, o);
  const sd = await loadWeightsFile(weights);
  try {
    const { numClasses, hidden, layers } = modelShape(sd, weights);
    if (classes.names && classes.names.length !== numClasses) {
      throw new Error(`${classes.source} names ${classes.names.length} classes but ${weights} has ${numClasses} outputs (fc1.weight [${sd.get('fc1.weight')!.shape.join(', ')}]); pass the class map made with these weights`);
    }
    const model = new Resnt18Rnn({ numClasses, pretrained: false, rnnHiddenSize: hidden, rnnNumLayers: layers, seedCompat: o.seedCompat ?? classes.map?.seedCompat ?? false });
    try {
      model.loadStateDict(sd);
    } catch (e) {
      model.dispose();
      throw new Error(`${weights} does not fit Resnt18Rnn: ${(e as Error).message}`);
    }
    return { model: model.eval(), classes };
  } finally {
    for (const t of sd.values()) t.dispose();
  }
}
