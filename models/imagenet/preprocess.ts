// A JPEG or PNG file to the tensor an ImageNet classifier expects: decodeImage, then the torchvision
// preset in transform.ts. Node only (sharp); with pixels in hand use preprocessRgb directly.
import { decodeImage } from './decode.js';
import { preprocessRgb, type PreprocessOptions, type Preprocessed } from './transform.js';

/**
 * torchvision's `ResNet18_Weights.IMAGENET1K_V1.transforms()(read_image(path, ImageReadMode.RGB))`, with
 * antialias on by default (see transform.ts). Returns a [3, 224, 224] CHW float32 tensor by default.
 */
export async function preprocessImage(pathOrBytes: string | Uint8Array, options: PreprocessOptions = {}): Promise<Preprocessed> {
  const { data, width, height } = await decodeImage(pathOrBytes);
  return preprocessRgb(data, width, height, options);
}
