// classifyImage: one photo through an ImageNet classifier, as torchvision's weights.transforms()
// prepare it (resize 256, center crop 224, normalize), → the top-k classes with probabilities.

import { noGrad, type nn, softmax, type Tensor, tensor } from '../engine/index.js';
import { IMAGENET_CLASSES } from './imagenet/classes.js';
import { preprocessImage } from './imagenet/preprocess.js';
import type { PreprocessOptions } from './imagenet/transform.js';

export interface Prediction {
  label: string;
  index: number;
  probability: number;
}

export interface ClassifyOptions {
  /** How many classes to return (default 5). */
  topK?: number;
  /** Names by logit index (default: the 1000 ImageNet classes). */
  classes?: readonly string[];
  /** Preprocessing (default: IMAGENET1K_V1's transforms, antialiased resize). */
  preprocess?: PreprocessOptions;
}

/** The k largest probabilities of a row, best first, with their indices and names. */
export function topK(probabilities: ArrayLike<number>, k: number, classes: readonly string[]): Prediction[] {
  const order = Array.from({ length: probabilities.length }, (_, i) => i)
    .sort((a, b) => probabilities[b]! - probabilities[a]! || a - b);
  return order.slice(0, k).map((index) => ({ label: classes[index] ?? String(index), index, probability: probabilities[index]! }));
}

/** Classifies an image file (or its bytes) with `model`, run in eval mode; the model's mode is restored after. */
export async function classifyImage(model: nn.Module<[Tensor], Tensor>, image: string | Uint8Array, options: ClassifyOptions = {}): Promise<Prediction[]> {
  const classes = options.classes ?? IMAGENET_CLASSES;
  const { data, shape } = await preprocessImage(image, options.preprocess);
  const wasTraining = model.training;
  model.eval();
  const x = tensor(data, { shape: [1, ...shape] });
  try {
    const probabilities = noGrad(() => {
      const logits = model.call(x);
      if (logits.rank !== 2 || logits.shape[0] !== 1) {
        logits.dispose();
        throw new Error(`classifyImage: the model returned [${logits.shape.join(', ')}], expected logits [1, classes]`);
      }
      const p = softmax(logits, 1);
      logits.dispose();
      return p;
    });
    const values = await probabilities.data();
    probabilities.dispose();
    if (values.length !== classes.length) {
      throw new Error(`classifyImage: the model has ${values.length} outputs but ${classes.length} class names were given; pass options.classes`);
    }
    return topK(values, options.topK ?? 5, classes);
  } finally {
    x.dispose();
    model.train(wasTraining);
  }
}
