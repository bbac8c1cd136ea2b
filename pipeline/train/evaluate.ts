// evaluateSplit: trained weights on every clip of a prepared frames folder's split (the test side by
// default), transformed as validation clips are in training, in eval mode without gradients.

import { VideoDataset } from '../dataset.js';
import { DataLoader } from '../loader.js';
import { classificationMetrics, type Metrics } from './metrics.js';
import { mapClips } from './sources.js';
import { DEFAULT_WEIGHTS, loadTrainedModel, type TrainedModelOptions } from './trained-model.js';

export interface EvaluateOptions extends TrainedModelOptions {
  frames: string;
  weights?: string;
  split?: 'train' | 'test' | 'all';
  batchSize?: number;
  workers?: number;
  onBatch?: (done: number, total: number) => void;
}

export interface EvaluateResult extends Metrics {
  classes: string[];
  weights: string;
  split: 'train' | 'test' | 'all';
}

export async function evaluateSplit(o: EvaluateOptions): Promise<EvaluateResult> {
  const weights = o.weights ?? DEFAULT_WEIGHTS;
  const split = o.split ?? 'test';
  const { model, classes } = await loadTrainedModel(weights, o);
  try {
    const frames = classes.map?.framesPerClip ?? 16;
    const size = classes.map?.imageSize ?? 112;
    const dataset = new VideoDataset({ root: o.frames, split, frames, size, augment: false });
    if (classes.names && classes.names.join('\n') !== dataset.classes.join('\n')) {
      throw new Error(`the weights' classes (${classes.source}: ${classes.names.slice(0, 4).join(', ')}…) are not ${o.frames}'s `
        + `(${dataset.classes.slice(0, 4).join(', ')}…); evaluate on the frames folder the weights were trained on`);
    }
    const numClasses = model.numClasses;
    if (dataset.classes.length !== numClasses) {
      throw new Error(`${o.frames} has ${dataset.classes.length} classes but ${weights} has ${numClasses} outputs`);
    }
    if (dataset.length === 0) throw new Error(`${o.frames} has no ${split} clips to evaluate`);
    const loader = new DataLoader(dataset, { batchSize: o.batchSize ?? 16, shuffle: false, numWorkers: o.workers });
    let logits: Float32Array;
    try {
      logits = await mapClips(loader, numClasses, (x) => model.call(x), o.onBatch);
    } finally {
      await loader.close();
    }
    return { ...classificationMetrics(logits, dataset.labels, dataset.classes), classes: dataset.classes, weights, split };
  } finally {
    model.dispose();
  }
}
