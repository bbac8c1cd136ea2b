// getModel: the seed's deployment helper. model_type 'rnn' is Resnt18Rnn with the seed's
// settings; '3dcnn' (torchvision's r3d_18 with a new fc) has its slot in `builders` but is not
// implemented yet, and says so.

import { Resnt18Rnn } from './resnt18rnn/resnt18rnn.js';
import type { nn } from '../engine/index.js';

export type ModelType = 'rnn' | '3dcnn';

export interface GetModelOptions {
  numClasses: number;
  /** 'rnn' (default): ResNet18 per frame → LSTM(100) → dropout 0.1 → fc1. */
  modelType?: ModelType;
  /** ImageNet weights for the backbone (default true; unavailable weights are reported, not fatal). */
  pretrained?: boolean | string;
}

const builders: Record<ModelType, (o: GetModelOptions) => Promise<nn.Module<[never], unknown>>> = {
  rnn: (o) => Resnt18Rnn.create({
    numClasses: o.numClasses, drRate: 0.1, pretrained: o.pretrained ?? true, rnnNumLayers: 1, rnnHiddenSize: 100,
  }),
  '3dcnn': () => Promise.reject(new Error("getModel: modelType '3dcnn' (torchvision's r3d_18) is not implemented yet; use modelType 'rnn'")),
};

/** The seed's get_model(num_classes, model_type): `const model = await getModel({ numClasses: 51 })`. */
export async function getModel(options: GetModelOptions & { modelType?: 'rnn' }): Promise<Resnt18Rnn>;
export async function getModel(options: GetModelOptions): Promise<nn.Module<[never], unknown>>;
export async function getModel(options: GetModelOptions): Promise<nn.Module<[never], unknown>> {
  const type = options.modelType ?? 'rnn';
  const build = builders[type];
  if (!build) throw new Error(`getModel: unknown modelType '${String(type)}'; expected ${Object.keys(builders).map((k) => `'${k}'`).join(' or ')}`);
  return build(options);
}
