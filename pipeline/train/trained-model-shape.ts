// Trained Resnt18Rnn weights → a model, from a state dict already in memory: the shape (classes, LSTM
// size and layers) read off the tensors, class maps parsed from their JSON text, and the errors that
// say what does not fit. No file access: trained-model.ts reads files for Node, and the browser page
// (web/) hands in the bytes of picked or fetched files; both give the same messages.

import type { Tensor } from '../../engine/index.js';
import { Resnt18Rnn } from '../../models/resnt18rnn/resnt18rnn.js';
import type { ClassMap } from './outputs.js';

export interface ResolvedClasses { names: string[] | null; source: string | null; map?: Partial<ClassMap> }

export interface ModelShape { numClasses: number; hidden: number; layers: number }

/** The error for a class map that cannot be read or is not JSON. */
export function classMapUnreadable(source: string, e: unknown): Error {
  return new Error(`cannot read the class map ${source} (${(e as Error).message}); it must be train:hmdb's JSON or an array of names`);
}

/** A class map from its JSON text: train:hmdb's { classes: [...], … } or a plain array of names. */
export function parseClassMap(text: string, source: string): ResolvedClasses {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw classMapUnreadable(source, e);
  }
  const names = Array.isArray(parsed) ? parsed : (parsed as { classes?: unknown } | null)?.classes;
  if (!Array.isArray(names) || !names.every((n) => typeof n === 'string')) {
    throw new Error(`${source} holds no class names: expected { "classes": ["name of index 0", …] } or ["name", …]`);
  }
  return { names, source, map: Array.isArray(parsed) ? undefined : parsed as Partial<ClassMap> };
}

/** Resnt18Rnn's size from a state dict: classes from fc1, hidden size and layers from the LSTM. */
export function modelShape(sd: ReadonlyMap<string, Pick<Tensor, 'shape'>>, weights: string): ModelShape {
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

/**
 * The model in eval mode with the state dict's weights, checked against the class names. `weights` names
 * the file in messages. The caller still owns (and disposes) the state dict's tensors.
 */
export function modelFromStateDict(sd: Map<string, Tensor>, weights: string, classes: ResolvedClasses, seedCompat?: boolean): Resnt18Rnn {
  const { numClasses, hidden, layers } = modelShape(sd, weights);
  if (classes.names && classes.names.length !== numClasses) {
    throw new Error(`${classes.source} names ${classes.names.length} classes but ${weights} has ${numClasses} outputs (fc1.weight [${sd.get('fc1.weight')!.shape.join(', ')}]); pass the class map made with these weights`);
  }
  const model = new Resnt18Rnn({ numClasses, pretrained: false, rnnHiddenSize: hidden, rnnNumLayers: layers, seedCompat: seedCompat ?? classes.map?.seedCompat ?? false });
  try {
    model.loadStateDict(sd);
  } catch (e) {
    model.dispose();
    throw new Error(`${weights} does not fit Resnt18Rnn: ${(e as Error).message}`);
  }
  return model.eval();
}
