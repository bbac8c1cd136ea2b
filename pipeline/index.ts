// webgrad/pipeline: the seed's workflow as a library. The data half (videos → frames → splits →
// batches, the demo data, HMDB51's download) needs no engine; the training half (trainHmdb,
// trainVal, predictVideo, evaluateSplit) runs the models on it.

export { prepare, scanVideos, PrepareError, type PrepareOptions, type PrepareSummary } from './prepare.js';
export { extractClip, type ClipFrames } from './extract.js';
export { frameIndices } from './frames.js';
export { ensureSplit, parseSplitSpec, SplitTooSmallError, type SplitFile, type SplitSpec } from './split-file.js';
export { parseShard, shardOf, type Shard } from './shard.js';
export { mergeShards } from './merge-shards.js';
export { VideoDataset, type VideoDatasetOptions, type Sample } from './dataset.js';
export { DataLoader, type Batch, type DataLoaderOptions } from './loader.js';
export { IMAGENET_MEAN, IMAGENET_STD, frameToTensor } from './transforms.js';
export { makeDemoVideos, type MakeDemoOptions } from './demo/make-demo.js';
export { describeDemoTask } from './demo/synthetic.js';
export { downloadHmdb51 } from './download/hmdb51.js';

export { trainHmdb, type TrainJobResult } from './train/train-job.js';
export { TRAIN_DEFAULTS, parseTrainArgs, type TrainOptions } from './train/options.js';
export { trainVal, type TrainValParams, type TrainState, type History, type EpochReport } from './train/train-val.js';
export { runEpoch, type BatchSource, type SourceBatch, type EpochSums } from './train/epoch.js';
export { ClipSource, FeatureSource, computeClipFeatures } from './train/sources.js';
export { predictVideo, type PredictOptions, type VideoPrediction } from './train/predict.js';
export { evaluateSplit, type EvaluateOptions, type EvaluateResult } from './train/evaluate.js';
export { classificationMetrics, type Metrics } from './train/metrics.js';
export { loadTrainedModel } from './train/trained-model.js';
export { historyChart, confusionChart, writeChart } from './train/plots/index.js';
