// torchvision.models.ResNet: the same structure, defaults, initialisation and state-dict keys
// (`conv1.weight`, `bn1.running_mean`, `layer1.0.conv1.weight`, … `fc.weight`), so
// torchvision's checkpoints load strictly and ours load in torchvision.

import { nn, noGrad, type Tensor } from '../../engine/index.js';
import { BasicBlock, batchNorm2d, type BlockOptions, Bottleneck, conv1x1, type NormLayer, normRelu, type ResidualBlock, applyAndFree } from './blocks.js';
import { canFold, convNormFolded } from './folded.js';

export type BlockKind = typeof BasicBlock | typeof Bottleneck;

export interface ResNetOptions {
  /** Size of the classifier's output (default 1000, ImageNet). */
  numClasses?: number;
  /** Zero-initialise the last norm layer of each residual branch, so each block starts as the identity. */
  zeroInitResidual?: boolean;
  /** Grouped 3x3 convolutions (ResNeXt; Bottleneck only). */
  groups?: number;
  widthPerGroup?: number;
  /** Replace the stride of layer2/3/4 by dilation (Bottleneck only). */
  replaceStrideWithDilation?: [boolean, boolean, boolean];
  /** The normalization layer (default BatchNorm2d). */
  normLayer?: NormLayer;
  /**
   * Training keeps only each residual block's input and recomputes the block in backward
   * (nn.checkpoint): activation memory for about one more forward of the blocks. Default false.
   */
  checkpointBlocks?: boolean;
}

export class ResNet extends nn.Module {
  conv1: nn.Conv2d;
  bn1: nn.Module;
  relu = new nn.ReLU();
  maxpool = new nn.MaxPool2d(3, { stride: 2, padding: 1 });
  layer1: nn.Sequential;
  layer2: nn.Sequential;
  layer3: nn.Sequential;
  layer4: nn.Sequential;
  avgpool = new nn.AdaptiveAvgPool2d([1, 1]);
  /** The classifier; replace it (e.g. with nn.Identity for 512 features) as in torchvision. */
  fc: nn.Module;

  /** See ResNetOptions.checkpointBlocks; may be switched at any time. */
  checkpointBlocks: boolean;
  private inPlanes = 64;
  private dilation = 1;
  private readonly normLayer: NormLayer;
  private readonly groups: number;
  private readonly baseWidth: number;

  constructor(readonly block: BlockKind, readonly layers: [number, number, number, number], options: ResNetOptions = {}) {
    super();
    const numClasses = options.numClasses ?? 1000;
    if (!Number.isInteger(numClasses) || numClasses < 1) throw new Error(`ResNet: numClasses must be a positive integer, got ${numClasses}`);
    const dilate = options.replaceStrideWithDilation ?? [false, false, false];
    if (dilate.length !== 3) throw new Error(`ResNet: replaceStrideWithDilation should have 3 elements, got ${JSON.stringify(dilate)}`);
    this.normLayer = options.normLayer ?? batchNorm2d;
    this.checkpointBlocks = options.checkpointBlocks ?? false;
    this.groups = options.groups ?? 1;
    this.baseWidth = options.widthPerGroup ?? 64;
    this.conv1 = new nn.Conv2d(3, this.inPlanes, 7, { stride: 2, padding: 3, bias: false });
    this.bn1 = this.normLayer(this.inPlanes);
    this.layer1 = this.makeLayer(64, layers[0]);
    this.layer2 = this.makeLayer(128, layers[1], 2, dilate[0]);
    this.layer3 = this.makeLayer(256, layers[2], 2, dilate[1]);
    this.layer4 = this.makeLayer(512, layers[3], 2, dilate[2]);
    this.fc = new nn.Linear(512 * block.expansion, numClasses);
    this.initWeights(options.zeroInitResidual ?? false);
  }

  private makeLayer(planes: number, blocks: number, stride = 1, dilate = false): nn.Sequential {
    const previousDilation = this.dilation;
    if (dilate) {
      this.dilation *= stride;
      stride = 1;
    }
    const out = planes * this.block.expansion;
    const downsample = stride !== 1 || this.inPlanes !== out
      ? new nn.Sequential(conv1x1(this.inPlanes, out, stride), this.normLayer(out))
      : null;
    const common = { groups: this.groups, baseWidth: this.baseWidth, normLayer: this.normLayer };
    const first: BlockOptions = { ...common, stride, downsample, dilation: previousDilation };
    const layer = new nn.Sequential(new this.block(this.inPlanes, planes, first));
    this.inPlanes = out;
    for (let i = 1; i < blocks; i++) {
      layer.append(new this.block(this.inPlanes, planes, { ...common, stride: 1, downsample: null, dilation: this.dilation }));
    }
    return layer;
  }

  /** torchvision's: kaiming_normal_(fan_out, relu) convs, BN weight 1 / bias 0 (already), optional zero-init residual. */
  private initWeights(zeroInitResidual: boolean): void {
    noGrad(() => {
      for (const m of this.modules()) {
        if (m instanceof nn.Conv2d) {
          const w = nn.init.kaimingNormal(m.weight.shape, 'fan_out');
          m.weight.copy_(w);
          w.dispose();
        }
        if (zeroInitResidual && (m instanceof BasicBlock || m instanceof Bottleneck)) {
          const norm = (m as ResidualBlock).lastNorm() as nn.Module & { weight?: Tensor | null };
          norm.weight?.fill_(0);
        }
      }
    });
  }

  /** The 512·expansion pooled features of each image, before fc: [N, 3, H, W] → [N, F]. */
  features(x: Tensor): Tensor {
    if (x.rank !== 4 || x.shape[1] !== 3) {
      throw new Error(`ResNet: expected images [N, 3, H, W], got [${x.shape.join(', ')}]`);
    }
    // bn1 fuses the relu only while this.relu is the plain ReLU (a user may have swapped it).
    const plainRelu = this.relu.constructor === nn.ReLU;
    let y: Tensor;
    if (plainRelu && canFold(this, x, [[this.conv1, this.bn1]])) {
      y = convNormFolded([this.conv1, this.bn1], x, { relu: true });
    } else {
      y = this.conv1.call(x);
      if (plainRelu) y = applyAndFree(y, (t) => normRelu(this.bn1, t));
      else y = applyAndFree(applyAndFree(y, (t) => this.bn1.call(t) as Tensor), (t) => this.relu.call(t) as Tensor);
    }
    y = applyAndFree(y, (t) => this.maxpool.call(t));
    for (const layer of [this.layer1, this.layer2, this.layer3, this.layer4]) {
      if (!this.checkpointBlocks || !this.training) {
        y = applyAndFree(y, (t) => layer.call(t));
        continue;
      }
      // the recomputation must not move the blocks' BN running statistics a second time
      for (const block of layer.children()) {
        y = applyAndFree(y, (t) => nn.checkpoint((u) => block.call(u) as Tensor, [t], { preserve: [...block.buffers()] }));
      }
    }
    y = applyAndFree(y, (t) => this.avgpool.call(t));
    return applyAndFree(y, (t) => t.flatten(1));
  }

  /** Logits [N, numClasses] (or whatever fc makes of the features). */
  forward(x: Tensor): Tensor {
    return applyAndFree(this.features(x), (t) => this.fc.call(t) as Tensor);
  }
}
