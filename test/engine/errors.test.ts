import { beforeAll, expect, it } from 'vitest';
import * as wg from '../../engine/index.js';
import { dispatch, kernel } from '../../engine/kernels/runtime.js';
import { setupGpu } from '../helpers/gpu.js';

beforeAll(setupGpu);

it('a WGSL compile error surfaces at the next synchronize, naming the kernel and the line', async () => {
  const broken = kernel({
    key: 'test:broken-on-purpose',
    inputs: 0,
    outputs: 1,
    wgsl: () => [
      '@group(0) @binding(0) var<uniform> P: vec4<u32>;',
      '@group(0) @binding(1) var<storage, read_write> out: array<f32>;',
      '@compute @workgroup_size(1) fn main() { out[0] = undefined_function(1.0); }',
    ].join('\n'),
  });
  const target = wg.zeros([4]);
  dispatch(broken, [{ buffer: target.storage.buffer }], { u32: [0] }, [1]);
  await expect(wg.synchronize()).rejects.toThrow(/kernel 'test:broken-on-purpose' does not compile:[\s\S]*undefined_function/);
  // The engine keeps working afterwards.
  expect(await wg.tensor([1, 2]).add(1).toArray()).toEqual([2, 3]);
});

it('tidy refuses async functions', () => {
  expect(() => wg.tidy(() => Promise.resolve(1) as unknown as number)).toThrow(/tidy: the function returned a Promise/);
});

it('integer tensors cannot require grad', () => {
  expect(() => wg.zeros([2], 'int32', { requiresGrad: true })).toThrow(/only floating-point tensors can require gradients/);
});

it('crossEntropy explains bad targets', () => {
  const logits = wg.zeros([4, 3]);
  expect(() => wg.crossEntropy(logits, wg.zeros([4]))).toThrow(/crossEntropy: target must hold class indices as int32/);
  expect(() => wg.crossEntropy(logits, wg.zeros([5], 'int32'))).toThrow(/logits \[4,3\] need a target of shape \[4\], got \[5\]/);
});

it('without a WebGPU adapter the first op says what to install', async () => {
  const { execFileSync } = await import('node:child_process');
  const script = "const wg = await import('webgrad'); try { wg.zeros([2]); } catch (e) { console.log(e.message); } process.exit(0);";
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: new URL('../..', import.meta.url),
    env: { ...process.env, VK_ICD_FILENAMES: '/nonexistent.json', VK_DRIVER_FILES: '/nonexistent.json' },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  expect(output).toMatch(/no WebGPU adapter found.*npm run setup.*mesa-vulkan-drivers/s);
});
