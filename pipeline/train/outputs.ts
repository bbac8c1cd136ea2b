// What a training run leaves in --out: the best weights in PyTorch's format (weights_rnn.pt:
// `model.load_state_dict(torch.load(path))` works on the seed's module), the class map beside them,
// history.json (the seed's loss_hist / metric_hist per epoch, and the learning rates) and its plot.
// Every file is written atomically.

import { join } from 'node:path';
import { type nn, saveTorch } from '../../engine/index.js';
import { writeJsonAtomic } from '../manifest.js';
import type { History } from './train-val.js';

export const WEIGHTS_FILE = 'weights_rnn.pt';
export const HISTORY_FILE = 'history.json';
export const HISTORY_PLOT = 'history';

/** `weights_rnn.pt` → `weights_rnn.classes.json`. */
export const classMapPath = (weightsPath: string) => weightsPath.replace(/\.(pt|pth|safetensors)$/, '') + '.classes.json';

export interface ClassMap {
  /** Class names by logit index. */
  classes: string[];
  model: 'Resnt18Rnn';
  framesPerClip: number;
  imageSize: number;
  mean: readonly number[];
  std: readonly number[];
  seedCompat: boolean;
  rnnHiddenSize: number;
  rnnNumLayers: number;
  /** The run that made the weights. */
  bestEpoch: number;
  valLoss: number;
  settings: Record<string, unknown>;
}

export async function writeBestWeights(out: string, model: nn.Module<never[], unknown>, classMap: ClassMap): Promise<string> {
  const path = join(out, WEIGHTS_FILE);
  await saveTorch(path, model.stateDict());
  writeJsonAtomic(classMapPath(path), classMap);
  return path;
}

export function writeHistory(out: string, history: History): string {
  const path = join(out, HISTORY_FILE);
  writeJsonAtomic(path, history);
  return path;
}
