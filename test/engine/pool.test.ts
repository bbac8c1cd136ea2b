// maxPool2d / maxPool2dWithIndices / avgPool2d / adaptiveAvgPool2d against PyTorch per the
// fixtures written by test/fixtures/generate_conv.py, gradchecks, chunked planes, errors.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as wg from '../../engine/index.js';
import { convTuning } from '../../engine/kernels/conv2d.js';
import { checkCase, loadFixture } from '../helpers/fixtures.js';
import { setupGpu } from '../helpers/gpu.js';

beforeAll(setupGpu);

// The pooling ops' fixture runners are in test/helpers/fixture-ops.ts (shared with the browser tests).
describe('pooling vs PyTorch', () => {
  for (const c of loadFixture('pool', 'conv')) it(c.name, () => checkCase(c));
});

describe('pooling gradcheck (central differences in f64)', () => {
  // Distinct, well-separated values so that a 1e-2 nudge never changes a window's maximum.
  const spread = (shape: number[]) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const values = Array.from({ length: n }, (_, i) => ((i * 7919) % n) * 0.1);
    return wg.tensor(values, { shape });
  };
  it('maxPool2d 3x3 / 2, padding 1', async () => {
    const result = await wg.gradcheck((x) => wg.maxPool2d(x, { kernelSize: 3, stride: 2, padding: 1 }), [spread([2, 2, 5, 6])], { eps: 1e-2, atol: 2e-3, rtol: 2e-2 });
    expect(result.ok, JSON.stringify(result.worst)).toBe(true);
  });
  it('maxPool2d ceil mode, dilation 2', async () => {
    const result = await wg.gradcheck((x) => wg.maxPool2d(x, { kernelSize: 2, stride: 2, dilation: 2, ceilMode: true }), [spread([1, 2, 7, 7])], { eps: 1e-2, atol: 2e-3, rtol: 2e-2 });
    expect(result.ok, JSON.stringify(result.worst)).toBe(true);
  });
  it('avgPool2d without the padding in the count', async () => {
    const result = await wg.gradcheck((x) => wg.avgPool2d(x, { kernelSize: 3, stride: 2, padding: 1, countIncludePad: false, ceilMode: true }), [wg.randn([1, 2, 6, 5])], { eps: 1e-2, atol: 2e-3, rtol: 2e-2 });
    expect(result.ok, JSON.stringify(result.worst)).toBe(true);
  });
  it('adaptiveAvgPool2d to a non-divisible size', async () => {
    const result = await wg.gradcheck((x) => wg.adaptiveAvgPool2d(x, [3, 4]), [wg.randn([1, 2, 7, 5])], { eps: 1e-2, atol: 2e-3, rtol: 2e-2 });
    expect(result.ok, JSON.stringify(result.worst)).toBe(true);
  });
});

describe('pooling in chunks of planes (tensors past maxStorageBufferBindingSize)', () => {
  afterEach(() => { convTuning.maxBindingBytes = undefined; });
  it('gives the same values, indices and gradients as one dispatch', async () => {
    const x = wg.randn([3, 5, 9, 7]).narrow(1, 1, 3);   // planes of 63 floats, not 256-byte aligned
    const run = async () => {
      const xs = x.detach();
      xs.requiresGrad = true;
      const { values, indices } = wg.maxPool2dWithIndices(xs, { kernelSize: 3, stride: 2, padding: 1 });
      const avg = wg.avgPool2d(xs, { kernelSize: 2 });
      const ada = wg.adaptiveAvgPool2d(xs, [4, 3]);
      values.sum().add(avg.mul(avg).sum()).add(ada.mul(3).sum()).backward();
      return Promise.all([values, indices, avg, ada, xs.grad!].map((t) => t.data()));
    };
    const whole = await run();
    convTuning.maxBindingBytes = 1024;   // 3 input planes per chunk
    const chunked = await run();
    whole.forEach((want, i) => expect(Array.from(chunked[i]!), `result ${i}`).toEqual(Array.from(want)));
  });
});

describe('pooling errors name the op, the shapes and the fix', () => {
  it('padding over half the kernel', () => {
    expect(() => wg.maxPool2d(wg.zeros([1, 1, 5, 5]), { kernelSize: 3, padding: 2 })).toThrow('maxPool2d: padding 2 must be at most half of the kernel size 3 (input [1,1,5,5])');
  });
  it('window larger than the input', () => {
    expect(() => wg.avgPool2d(wg.zeros([1, 1, 2, 2]), { kernelSize: 3 })).toThrow(/avgPool2d: the 3-wide window .* does not fit the padded input of 2 \(input \[1,1,2,2\]\)/);
  });
  it('2-D input', () => {
    expect(() => wg.adaptiveAvgPool2d(wg.zeros([4, 4]), 1)).toThrow('adaptiveAvgPool2d: input must be [N, C, H, W] or [C, H, W], got [4,4]');
  });
});
