// predictVideo: the seed's deployment. A video's 16 equally spaced frames (decoded as prepare
// does), resized and normalized as in training, → [1, 16, 3, 112, 112] → Resnt18Rnn in eval mode
// without gradients → class probabilities. The model's shape (classes, LSTM size and layers) is
// read off the weights, so a state dict saved by the seed's own PyTorch code works too; class
// names come from the class map beside the weights, or are given.

import { existsSync, readFileSync } from 'node:fs';
import { noGrad, softmax, tensor } from '../../engine/index.js';
import { loadWeightsFile, Resnt18Rnn, topK } from '../../models/index.js';
import { extractClip } from '../extract.js';
import { frameToTensor, IMAGENET_MEAN, IMAGENET_STD, NO_AUGMENT } from '../transforms.js';
import { type ClassMap, classMapPath } from './outputs.js';
import type { Tensor } from '../../engine/index.js';

export interface PredictOptions {
  /** A .pt/.pth/.safetensors state dict of Resnt18Rnn (default models/weights_rnn.pt). */
  weights?: string;
  /** Class names by index; overrides the class map. */
  classNames?: string[];
  /** A class map JSON (train:hmdb's { classes: [...] } or a plain array of names); default: beside the weights. */
  classMap?: string;
  topK?: number;
  /** Reproduce the reference forward (clips leak into each other for B > 1; at B = 1 the same). */
  seedCompat?: boolean;
}

export interface VideoPrediction {
  /** Best first; `label` is null when no class names are known. */
  top: Array<{ index: number; label: string | null; probability: number }>;
  classNames: string[] | null;
  /** Where the names came from, for the message when there are none. */
  classSource: string | null;
  frames: number[];
  seconds: { decode: number; model: number };
}

interface ResolvedClasses { names: string[] | null; source: string | null; map?: Partial<ClassMap> }

function readClassMap(path: string): ResolvedClasses {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`predict: cannot read the class map ${path} (${(e as Error).message}); it must be train:hmdb's JSON or an array of names`);
  }
  const names = Array.isArray(parsed) ? parsed : (parsed as { classes?: unknown }).classes;
  if (!Array.isArray(names) || !names.every((n) => typeof n === 'string')) {
    throw new Error(`predict: ${path} holds no class names: expected { "classes": ["name of index 0", …] } or ["name", …]`);
  }
  return { names, source: path, map: Array.isArray(parsed) ? undefined : parsed as Partial<ClassMap> };
}

function resolveClasses(weights: string, o: PredictOptions): ResolvedClasses {
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
    throw new Error(`predict: ${weights} is not a Resnt18Rnn state dict (expected baseModel.*, rnn.weight_hh_l0, fc1.weight; `
      + `it has ${keys.slice(0, 4).join(', ')}${keys.length > 4 ? `, … ${keys.length} keys` : ''})`);
  }
  let layers = 0;
  while (sd.has(`rnn.weight_hh_l${layers}`)) layers++;
  return { numClasses: fc1.shape[0]!, hidden: hh.shape[1]!, layers };
}

/** Classifies one video with trained Resnt18Rnn weights. */
export async function predictVideo(video: string, o: PredictOptions = {}): Promise<VideoPrediction> {
  const weights = o.weights ?? 'models/weights_rnn.pt';
  if (!existsSync(weights)) {
    throw new Error(`predict: no weights at ${weights}; train first (npm run train:hmdb) or pass --weights <file>`);
  }
  const classes = resolveClasses(weights, o);
  const sd = await loadWeightsFile(weights);
  let model: Resnt18Rnn | undefined;
  try {
    const { numClasses, hidden, layers } = modelShape(sd, weights);
    if (classes.names && classes.names.length !== numClasses) {
      throw new Error(`predict: ${classes.source} names ${classes.names.length} classes but ${weights} has ${numClasses} outputs (fc1.weight [${sd.get('fc1.weight')!.shape.join(', ')}]); pass the class map made with these weights`);
    }
    model = new Resnt18Rnn({ numClasses, pretrained: false, rnnHiddenSize: hidden, rnnNumLayers: layers, seedCompat: o.seedCompat ?? classes.map?.seedCompat ?? false });
    try {
      model.loadStateDict(sd);
    } catch (e) {
      throw new Error(`predict: ${weights} does not fit Resnt18Rnn: ${(e as Error).message}`);
    }
  } finally {
    for (const t of sd.values()) t.dispose();
  }
  const frames = classes.map?.framesPerClip ?? 16;
  const size = classes.map?.imageSize ?? 112;
  const mean = (classes.map?.mean ?? IMAGENET_MEAN) as [number, number, number];
  const std = (classes.map?.std ?? IMAGENET_STD) as [number, number, number];

  const t0 = performance.now();
  const clip = await extractClip(video, frames);
  const x = new Float32Array(frames * 3 * size * size);
  clip.frames.forEach((rgb, t) => frameToTensor(rgb, clip.width, clip.height, { size, mean, std }, NO_AUGMENT, x, t * 3 * size * size));
  const t1 = performance.now();
  const input = tensor(x, { shape: [1, frames, 3, size, size] });
  model.eval();
  const probabilities = noGrad(() => {
    const logits = model!.call(input);
    const p = softmax(logits, 1);
    logits.dispose();
    return p;
  });
  const values = await probabilities.data();
  const t2 = performance.now();
  for (const t of [input, probabilities]) t.dispose();
  model.dispose();
  const top = topK(values, Math.min(o.topK ?? 5, values.length), classes.names ?? [])
    .map((p) => ({ ...p, label: classes.names ? p.label : null }));
  return { top, classNames: classes.names, classSource: classes.source, frames: clip.indices, seconds: { decode: (t1 - t0) / 1000, model: (t2 - t1) / 1000 } };
}
