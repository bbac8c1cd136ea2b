// predictVideo: the seed's deployment. A video's 16 equally spaced frames (decoded as prepare
// does), resized and normalized as in training, → [1, 16, 3, 112, 112] → Resnt18Rnn in eval mode
// without gradients → class probabilities. The model's shape (classes, LSTM size and layers) is
// read off the weights, so a state dict saved by the seed's own PyTorch code works too; class
// names come from the class map beside the weights, or are given.

import { noGrad, softmax, tensor } from '../../engine/index.js';
import { topK } from '../../models/index.js';
import { extractClip } from '../extract.js';
import { frameToTensor, IMAGENET_MEAN, IMAGENET_STD, NO_AUGMENT } from '../transforms.js';
import { DEFAULT_WEIGHTS, loadTrainedModel, type TrainedModelOptions } from './trained-model.js';

export interface PredictOptions extends TrainedModelOptions {
  /** A .pt/.pth/.safetensors state dict of Resnt18Rnn (default models/weights_rnn.pt). */
  weights?: string;
  topK?: number;
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

/** Classifies one video with trained Resnt18Rnn weights. */
export async function predictVideo(video: string, o: PredictOptions = {}): Promise<VideoPrediction> {
  const { model, classes } = await loadTrainedModel(o.weights ?? DEFAULT_WEIGHTS, o);
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
