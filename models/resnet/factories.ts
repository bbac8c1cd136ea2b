// resnet18 / resnet34 / resnet50 as torchvision's builders. Without `weights` they return the
// model at once; with `weights` ('IMAGENET1K_V1', 'DEFAULT', another registered name, or a
// local .pth/.pt/.safetensors path) they return a Promise that resolves once the weights are in,
// and rejects — with WeightsUnavailableError when offline — if they cannot be had.

import { loadWeightsInto } from '../pretrained.js';
import { findWeights, type ResolveWeightsOptions } from '../weights/index.js';
import { BasicBlock, Bottleneck } from './blocks.js';
import { type BlockKind, ResNet, type ResNetOptions } from './resnet.js';

export interface ResNetBuilderOptions extends ResNetOptions, Pick<ResolveWeightsOptions, 'progress' | 'download'> {
  /** Pretrained weights: a registered name ('IMAGENET1K_V1', 'DEFAULT') or a path. */
  weights?: string | null;
}

export type WithWeights = ResNetBuilderOptions & { weights: string };
export type WithoutWeights = ResNetBuilderOptions & { weights?: null };

/** The ImageNet weights have 1000 classes; torchvision refuses another numClasses with them too. */
const IMAGENET_CLASS_COUNT = 1000;

function build(arch: string, block: BlockKind, layers: [number, number, number, number], options: ResNetBuilderOptions = {}): ResNet | Promise<ResNet> {
  const { weights, progress, download, ...resnetOptions } = options;
  if (!weights) return new ResNet(block, layers, resnetOptions);
  if (findWeights(arch, weights) && resnetOptions.numClasses !== undefined && resnetOptions.numClasses !== IMAGENET_CLASS_COUNT) {
    throw new Error(`${arch}: weights '${weights}' have ${IMAGENET_CLASS_COUNT} classes but numClasses is ${resnetOptions.numClasses}; load them with the default numClasses and replace model.fc`);
  }
  const model = new ResNet(block, layers, resnetOptions);
  return loadWeightsInto(model, arch, weights, { progress, download }).then(() => model, (error: unknown) => {
    model.dispose();
    throw error;
  });
}

/** ResNet-18 (BasicBlock, [2, 2, 2, 2]); `await resnet18({ weights: 'IMAGENET1K_V1' })` for ImageNet weights. */
export function resnet18(options: WithWeights): Promise<ResNet>;
export function resnet18(options?: WithoutWeights): ResNet;
export function resnet18(options?: ResNetBuilderOptions): ResNet | Promise<ResNet> {
  return build('resnet18', BasicBlock, [2, 2, 2, 2], options);
}

/** ResNet-34 (BasicBlock, [3, 4, 6, 3]). */
export function resnet34(options: WithWeights): Promise<ResNet>;
export function resnet34(options?: WithoutWeights): ResNet;
export function resnet34(options?: ResNetBuilderOptions): ResNet | Promise<ResNet> {
  return build('resnet34', BasicBlock, [3, 4, 6, 3], options);
}

/** ResNet-50 (Bottleneck, [3, 4, 6, 3]). */
export function resnet50(options: WithWeights): Promise<ResNet>;
export function resnet50(options?: WithoutWeights): ResNet;
export function resnet50(options?: ResNetBuilderOptions): ResNet | Promise<ResNet> {
  return build('resnet50', Bottleneck, [3, 4, 6, 3], options);
}
