// ImageNet inputs and outputs for torchvision's classifiers: file → normalized tensor, logit index → name.
// decode.js and preprocess.js need Node (sharp); image, resize, transform and classes run anywhere.
export { type RgbImage, checkRgb } from './image.js';
export { decodeImage } from './decode.js';
export { antialiasTaps, linearTaps, resizeAntialias, resizeBilinear, type AntialiasTaps, type LinearTaps } from './resize.js';
export {
  IMAGENET_MEAN,
  IMAGENET_STD,
  centerCrop,
  normalizeToChw,
  preprocessRgb,
  resizeAndCrop,
  resizedSize,
  resizeShorterSide,
  type PreprocessOptions,
  type Preprocessed,
} from './transform.js';
export { preprocessImage } from './preprocess.js';
export { IMAGENET_CLASSES } from './classes.js';
