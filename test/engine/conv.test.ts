// conv2d against PyTorch (forward, grad-input, grad-weight, grad-bias) per the fixtures written
// by test/fixtures/generate_conv.py, finite-difference gradchecks, the batch-chunked path for
// tensors past the storage-binding limit, and the error messages.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as wg from '../../engine/index.js';
import { convTuning } from '../../engine/kernels/conv2d.js';
import { checkCase, loadFixture } from '../helpers/fixtures.js';
import { setupGpu } from '../helpers/gpu.js';

beforeAll(setupGpu);

// conv2d's fixture runner is in test/helpers/fixture-ops.ts (shared with the browser tests).
describe('conv2d vs PyTorch', () => {
  for (const c of loadFixture('conv2d', 'conv')) it(c.name, () => checkCase(c));
});

describe('conv2d gradcheck (central differences in f64)', () => {
  const cases: Array<[string, number[], number[], wg.Conv2dOptions]> = [
    ['3x3 pad 1 with bias', [2, 3, 5, 4], [4, 3, 3, 3], { padding: 1 }],
    ['stride 2, dilation 2', [1, 2, 7, 6], [3, 2, 3, 2], { stride: 2, dilation: 2, padding: [2, 1] }],
    ['groups 2', [1, 4, 5, 5], [4, 2, 3, 3], { groups: 2, padding: 1 }],
    ['same padding, even kernel', [1, 2, 4, 5], [2, 2, 2, 2], { padding: 'same' }],
  ];
  for (const [name, xs, ws, options] of cases) {
    it(name, async () => {
      const inputs = [wg.randn(xs), wg.randn(ws), wg.randn([ws[0]!])];
      const result = await wg.gradcheck((x, w, b) => wg.conv2d(x, w, b, options), inputs, { eps: 1e-2, atol: 2e-3, rtol: 2e-2 });
      expect(result.ok, JSON.stringify(result.worst)).toBe(true);
      inputs.forEach((t) => t.dispose());
    });
  }
});

describe('conv2d in batch chunks (tensors past maxStorageBufferBindingSize)', () => {
  afterEach(() => { convTuning.maxBindingBytes = undefined; });

  async function run(x: wg.Tensor, w: wg.Tensor, b: wg.Tensor, options: wg.Conv2dOptions) {
    const xg = x.detach();
    xg.requiresGrad = true;
    const wgt = w.detach();
    wgt.requiresGrad = true;
    const bg = b.detach();
    bg.requiresGrad = true;
    const y = wg.conv2d(xg, wgt, bg, options);
    y.mul(y).sum().backward();
    return Promise.all([y, xg.grad!, wgt.grad!, bg.grad!].map((t) => t.data()));
  }

  it('gives the same forward and gradients as one dispatch', async () => {
    // An odd-sized image (5·7·9 floats = 1260 bytes) makes every chunk start off the 256-byte
    // alignment; a 4 KiB "limit" then holds 3 input images (2 output images) per chunk.
    const x = wg.randn([7, 5, 7, 9]).narrow(0, 1, 6);   // a non-zero storage offset as well
    const w = wg.randn([6, 5, 3, 3]);
    const b = wg.randn([6]);
    const options: wg.Conv2dOptions = { stride: [2, 1], padding: 1 };
    const whole = await run(x, w, b, options);
    convTuning.maxBindingBytes = 4096;
    const chunked = await run(x, w, b, options);
    // Each image is computed by the same kernel either way: y, dx and db match bit for bit.
    // dW sums the chunks' partial sums, so only the float summation order differs.
    for (const i of [0, 1, 3]) expect(Array.from(chunked[i]!), `output ${i}`).toEqual(Array.from(whole[i]!));
    const [want, got] = [whole[2]!, chunked[2]!];
    for (let j = 0; j < want.length; j++) expect(Math.abs(got[j]! - want[j]!), `dW element ${j}`).toBeLessThanOrEqual(1e-5 * Math.abs(want[j]!) + 1e-4);
  });

  it('says when a single image is over the limit', () => {
    convTuning.maxBindingBytes = 1024;
    expect(() => wg.conv2d(wg.randn([1, 3, 16, 16]), wg.randn([2, 3, 3, 3]))).toThrow(/conv2d: one image needs 3072 bytes/);
  });
});

describe('conv2d errors name the op, the shapes and the fix', () => {
  it('channel mismatch', () => {
    expect(() => wg.conv2d(wg.zeros([8, 4, 12, 12]), wg.zeros([64, 3, 7, 7])))
      .toThrow('conv2d: input has 4 channels but weight expects 3 (input [8,4,12,12], weight [64,3,7,7])');
  });
  it('groups that do not divide the channels', () => {
    expect(() => wg.conv2d(wg.zeros([1, 4, 5, 5]), wg.zeros([3, 2, 3, 3]), null, { groups: 2 })).toThrow(/3 output channels are not divisible by groups=2/);
  });
  it('non-4-D input', () => {
    expect(() => wg.conv2d(wg.zeros([3, 5, 5]), wg.zeros([2, 3, 3, 3]))).toThrow(/conv2d: input must be 4-D .*unsqueeze\(0\)/);
  });
  it('kernel larger than the input', () => {
    expect(() => wg.conv2d(wg.zeros([1, 1, 2, 2]), wg.zeros([1, 1, 3, 3]))).toThrow(/larger than the padded input 2x2/);
  });
  it("'same' with a stride", () => {
    expect(() => wg.conv2d(wg.zeros([1, 1, 4, 4]), wg.zeros([1, 1, 3, 3]), null, { padding: 'same', stride: 2 })).toThrow(/padding='same' needs stride 1/);
  });
  it('bias of the wrong size', () => {
    expect(() => wg.conv2d(wg.zeros([1, 1, 4, 4]), wg.zeros([2, 1, 3, 3]), wg.zeros([3]))).toThrow(/bias must have shape \[2\]/);
  });
});
