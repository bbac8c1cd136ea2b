// Weights and class maps picked in the page (or fetched from ?weights=&classes=) → Resnt18Rnn on the
// page's WebGPU device, and one clip → class probabilities: what pipeline/train/predict.ts does in Node,
// on bytes instead of paths. The shape is read off the state dict and checked against the class map by
// the same code as Node (pipeline/train/trained-model-shape.ts), so the errors read the same; frames are
// resized and normalized by pipeline/transforms.ts frameToTensor, the same code as training.

import { noGrad, parseSafetensors, parseTorch, softmax, Tensor, tensor, type TorchValue } from '../../engine/index.js';
import type { Resnt18Rnn } from '../../models/resnt18rnn/resnt18rnn.js';
import { modelFromStateDict, parseClassMap, type ResolvedClasses } from '../../pipeline/train/trained-model-shape.js';
import { frameToTensor, IMAGENET_MEAN, IMAGENET_STD, NO_AUGMENT } from '../../pipeline/transforms.js';
import type { RgbFrame } from './video/types.js';

export interface NamedBytes { name: string; bytes: Uint8Array }

// As models/weights/load.ts: training scripts often save { state_dict: … } or { model: … }.
const wrapperKeys = ['state_dict', 'model'] as const;

const isStateDict = (v: TorchValue | undefined): v is Map<string, Tensor> =>
  v instanceof Map && [...v].every(([k, t]) => typeof k === 'string' && t instanceof Tensor);

function disposeAll(value: TorchValue, keep: Set<Tensor>): void {
  if (value instanceof Tensor) {
    if (!keep.has(value)) value.dispose();
  } else if (Array.isArray(value)) {
    for (const v of value) disposeAll(v, keep);
  } else if (value instanceof Map) {
    for (const v of value.values()) disposeAll(v, keep);
  }
}

/** The tensors of a .pt/.pth (torch.save, read by the engine's safe unpickler) or .safetensors file. */
export function stateDictFromBytes({ name, bytes }: NamedBytes): Map<string, Tensor> {
  const lower = name.toLowerCase();
  if (lower.endsWith('.safetensors')) return parseSafetensors(bytes, { name });
  if (bytes.length >= 2 && bytes[0] === 0x80 && bytes[1]! <= 5) {
    throw new Error(`${name}: saved in torch.save's legacy (pre-1.6, non-zip) format, which webgrad does not read. `
      + `Convert it once in Python: import torch; torch.save(torch.load('${name}'), 'weights-zip.pt')`);
  }
  if (!(bytes[0] === 0x50 && bytes[1] === 0x4b)) {
    throw new Error(`${name}: neither a torch.save file (a zip) nor .safetensors; pick the .pt/.pth or .safetensors weights of a Resnt18Rnn`);
  }
  const value = parseTorch(bytes, { name });
  if (isStateDict(value)) return value;
  const key = value instanceof Map ? wrapperKeys.find((k) => isStateDict(value.get(k))) : undefined;
  if (key !== undefined) {
    const inner = (value as Map<TorchValue, TorchValue>).get(key) as Map<string, Tensor>;
    disposeAll(value, new Set(inner.values()));
    return inner;
  }
  disposeAll(value, new Set());
  throw new Error(`${name}: not a state dict; expected a dict of tensors, or one under ${wrapperKeys.map((k) => `'${k}'`).join(' or ')}`);
}

export interface LoadedModel {
  model: Resnt18Rnn;
  classes: ResolvedClasses;
  framesPerClip: number;
  imageSize: number;
  mean: [number, number, number];
  std: [number, number, number];
  weightsName: string;
}

/** Builds the model from weights and an optional class map (JSON text); same checks and messages as Node. */
export function loadModel(weights: NamedBytes, classMap: { name: string; text: string } | undefined): LoadedModel {
  const classes: ResolvedClasses = classMap ? parseClassMap(classMap.text, classMap.name) : { names: null, source: null };
  const sd = stateDictFromBytes(weights);
  try {
    const model = modelFromStateDict(sd, weights.name, classes);
    const map = classes.map;
    return {
      model, classes, weightsName: weights.name,
      framesPerClip: map?.framesPerClip ?? 16,
      imageSize: map?.imageSize ?? 112,
      mean: (map?.mean ?? IMAGENET_MEAN) as [number, number, number],
      std: (map?.std ?? IMAGENET_STD) as [number, number, number],
    };
  } finally {
    for (const t of sd.values()) t.dispose();
  }
}

/** Frames [T] of RGB → the model's input [1, T, 3, S, S] as floats (resize, normalize: frameToTensor). */
export function clipToInput(frames: readonly RgbFrame[], size: number, mean: readonly [number, number, number], std: readonly [number, number, number]): Float32Array {
  const per = 3 * size * size;
  const x = new Float32Array(frames.length * per);
  frames.forEach((f, t) => frameToTensor(f.rgb, f.width, f.height, { size, mean, std }, NO_AUGMENT, x, t * per));
  return x;
}

export interface Prediction { index: number; label: string; probability: number }

/** Every class, best first (ties by index), named from `names` or "class i". */
export function ranked(probabilities: ArrayLike<number>, names: readonly string[] | null): Prediction[] {
  return Array.from({ length: probabilities.length }, (_, i) => i)
    .sort((a, b) => probabilities[b]! - probabilities[a]! || a - b)
    .map((index) => ({ index, label: names?.[index] ?? `class ${index}`, probability: probabilities[index]! }));
}

/** Softmax probabilities of one clip [T, 3, S, S] (floats), eval mode, no gradients. */
export async function classifyClip(model: Resnt18Rnn, x: Float32Array, frames: number, size: number): Promise<Float32Array> {
  const input = tensor(x, { shape: [1, frames, 3, size, size] });
  model.eval();
  const probabilities = noGrad(() => {
    const logits = model.call(input);
    const p = softmax(logits, 1);
    logits.dispose();
    return p;
  });
  input.dispose();
  try {
    return (await probabilities.data()) as Float32Array;
  } finally {
    probabilities.dispose();
  }
}
