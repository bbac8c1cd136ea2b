// torchvision's ResNets: keys and shapes as torchvision's state_dict(), PyTorch's default init,
// and the logits of a resnet18 loaded from a torch.save file (rebuilt byte for byte from its fixture).

import { beforeAll, describe, expect, it } from 'vitest';
import * as wg from '../../engine/index.js';
import { ResNet, resnet18, resnet34, resnet50 } from '../../models/index.js';
import { setupGpu } from '../helpers/gpu.js';
import { generate, type Recipe } from '../helpers/prng.js';
import { readModelFixture, type SavedFileFixture, writeSavedFile } from './saved-file.js';

interface Logits { shape: number[]; data: number[]; top5: number[][] }
interface ResNetFixture {
  file: SavedFileFixture;
  inputs: Array<{ input: Recipe; logits: Logits }>;
  photos: Array<{ image: string; inputSum: number; logits: Logits }>;
  architectures: Record<string, Array<[string, number[], string]>>;
}

const fixture = readModelFixture<ResNetFixture>('resnet18.json');
/** torch's int64 num_batches_tracked is webgrad's int32. */
const webgradDtype = (torchDtype: string) => (torchDtype === 'int64' ? 'int32' : torchDtype);

/** Indices of the 5 largest values of each row. */
export function top5(values: ArrayLike<number>, rows: number): number[][] {
  const cols = values.length / rows;
  return Array.from({ length: rows }, (_, r) => [...Array(cols).keys()]
    .sort((a, b) => values[r * cols + b]! - values[r * cols + a]!).slice(0, 5));
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

beforeAll(setupGpu);

describe('ResNet structure', () => {
  it.each([['resnet18', resnet18], ['resnet34', resnet34], ['resnet50', resnet50]] as const)(
    '%s has torchvision\'s state-dict keys, order, shapes and dtypes', (arch, build) => {
      const model = build();
      const ours = [...model.stateDict()].map(([k, t]) => [k, [...t.shape], t.dtype]);
      const theirs = fixture.architectures[arch]!.map(([k, shape, dtype]) => [k, shape, webgradDtype(dtype)]);
      expect(ours).toEqual(theirs);
      model.dispose();
    });

  it('initialises as torchvision: kaiming_normal_(fan_out) convs, BN 1/0, zeroInitResidual zeroes each branch\'s last BN', async () => {
    wg.manualSeed(3);
    const model = resnet18({ zeroInitResidual: true });
    const w = Array.from(await model.stateDict().get('layer3.0.conv2.weight')!.data());
    const std = Math.sqrt(w.reduce((s, v) => s + v * v, 0) / w.length);
    expect(std / Math.sqrt(2 / (256 * 9))).toBeCloseTo(1, 1);
    const sd = model.stateDict();
    expect([...(await sd.get('layer2.1.bn2.weight')!.data())].every((v) => v === 0)).toBe(true);
    expect([...(await sd.get('layer2.1.bn1.weight')!.data())].every((v) => v === 1)).toBe(true);
    expect([...(await sd.get('bn1.bias')!.data())].every((v) => v === 0)).toBe(true);
    model.dispose();
    const plain = resnet18();
    expect([...(await plain.stateDict().get('layer2.1.bn2.weight')!.data())].every((v) => v === 1)).toBe(true);
    plain.dispose();
  });

  it('prints like torchvision', () => {
    const model = resnet18({ numClasses: 10 });
    const text = String(model);
    expect(text).toContain('(conv1): Conv2d(3, 64, kernel_size=(7, 7), stride=(2, 2), padding=(3, 3), bias=False)');
    expect(text).toContain('(downsample): Sequential(');
    expect(text).toContain('(fc): Linear(in_features=512, out_features=10, bias=True)');
    model.dispose();
  });

  it('rejects bad input and bad options with clear errors', () => {
    const model = resnet18({ numClasses: 4 });
    const x = wg.zeros([2, 4, 32, 32]);
    expect(() => model.call(x)).toThrow('ResNet: expected images [N, 3, H, W], got [2, 4, 32, 32]');
    x.dispose();
    model.dispose();
    expect(() => resnet18({ weights: 'IMAGENET1K_V1', numClasses: 51 }))
      .toThrow("resnet18: weights 'IMAGENET1K_V1' have 1000 classes but numClasses is 51");
  });
});

describe('resnet18 against PyTorch', () => {
  let model: ResNet;
  beforeAll(async () => {
    model = await resnet18({ weights: writeSavedFile(fixture.file) });
    model.eval();
  });

  it('the torch.save file loads strictly; logits within 1e-3 of PyTorch\'s, same top-5', async () => {
    for (const { input, logits } of fixture.inputs) {
      const x = wg.tensor(generate(input), { shape: input.shape });
      const y = wg.noGrad(() => model.call(x));
      const values = await y.data();
      expect(y.shape).toEqual(logits.shape);
      const diff = maxAbsDiff(values, logits.data);
      console.log(`resnet18 ${input.shape.join('x')}: max |logit - PyTorch| = ${diff.toExponential(2)}`);
      expect(diff).toBeLessThanOrEqual(1e-3);
      expect(top5(values, logits.shape[0]!)).toEqual(logits.top5);
      x.dispose();
      y.dispose();
    }
  });

  it('frees every intermediate of a forward', () => {
    const x = wg.randn([1, 3, 64, 64]);
    const before = wg.memoryStats().liveTensors;
    const y = wg.noGrad(() => model.call(x));
    expect(wg.memoryStats().liveTensors).toBe(before + 1);
    y.dispose();
    x.dispose();
  });
});
