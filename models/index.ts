// webgrad/models: torchvision's ResNets with their ImageNet weights, the seed's Resnt18Rnn video
// classifier and its getModel helper. Built on the engine's public entry only, as user code is.

export { ResNet, type ResNetOptions, type BlockKind } from './resnet/resnet.js';
export { BasicBlock, Bottleneck, ResidualBlock, type NormLayer } from './resnet/blocks.js';
export { resnet18, resnet34, resnet50, type ResNetBuilderOptions } from './resnet/factories.js';
export { Resnt18Rnn, type Resnt18RnnOptions } from './resnt18rnn/resnt18rnn.js';
export { TimeStepBatchNorm2d, setBatchNormTimeSteps } from './resnt18rnn/time-step-batchnorm.js';
export { getModel, type GetModelOptions, type ModelType } from './get-model.js';
export { loadWeightsInto, type PretrainedStatus } from './pretrained.js';
export {
  registerWeights, knownWeights, findWeights, resolveWeights, loadWeightsFile, WeightsUnavailableError,
  webgradWeightsDir, torchHubCheckpointsDir, weightsCacheDirs,
  type WeightsEntry, type WeightsEntryInput, type ResolveWeightsOptions,
} from './weights/index.js';
export { classifyImage, topK, type Prediction, type ClassifyOptions } from './classify.js';
export {
  IMAGENET_CLASSES, IMAGENET_MEAN, IMAGENET_STD, preprocessImage, preprocessRgb, decodeImage,
  type PreprocessOptions, type Preprocessed, type RgbImage,
} from './imagenet/index.js';
export { MissingPackageError } from './optional-package.js';
