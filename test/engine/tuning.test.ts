// Every workgroup width the tuning table can pick (engine/kernels/tuning.ts), forced on this
// adapter: conv2d (forward, grad-input, grad-weight), matmul and lstm against the PyTorch
// fixtures, and against the default width on shapes wider than one workgroup's columns. A
// width changes which invocation computes an output, never the order of its sums, so results
// must match the default bit for bit. Also: the adapter classes, the override's parsing, and
// that each width compiles its own pipeline.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import * as wg from '../../engine/index.js';
import { debugFlags } from '../../engine/device/debug.js';
import {
  classifyAdapter, defaultTuning, kernelTuning, matmulWorkgroupWidth, parseTuning, setKernelTuning, tuningTable,
} from '../../engine/kernels/tuning.js';
import { checkCase, loadFixture } from '../helpers/fixtures.js';
import { setupGpu } from '../helpers/gpu.js';

beforeAll(setupGpu);
afterAll(() => setKernelTuning());

// The table's widths, and those its subgroup rule adds: 16 (lavapipe built for AVX-512), 64 (AMD GCN's wave64).
const widths = [...new Set([...Object.values(tuningTable).flatMap((row) => Object.values(row)), 16, 64])].sort((a, b) => a - b);

describe('the tuning table', () => {
  it('covers at least widths 8, 16, 32 and 64', () => {
    expect(widths).toEqual(expect.arrayContaining([8, 16, 32, 64]));
  });

  it('classifies adapters by their description', () => {
    expect(classifyAdapter('mesa llvmpipe (LLVM 15.0.7, 256 bits)')).toBe('cpu');
    expect(classifyAdapter('google swiftshader Google SwiftShader')).toBe('cpu');
    expect(classifyAdapter('nvidia hopper NVIDIA H200')).toBe('nvidia');
    expect(classifyAdapter('amd rdna-3 AMD Radeon RX 7900 XTX (RADV NAVI31)')).toBe('amd');
    expect(classifyAdapter('intel gen-12lp Intel(R) UHD Graphics 770')).toBe('intel');
    expect(classifyAdapter('apple metal-3 Apple M2')).toBe('apple');
    expect(classifyAdapter('qualcomm adreno-7xx')).toBe('gpu');
  });

  it('keeps one SIMD register on CPUs, a warp on GPUs, and never less than a subgroup', () => {
    expect(defaultTuning('cpu', 8).conv2dWorkgroup).toBe(8);
    expect(defaultTuning('cpu', 16).matmulWorkgroup).toBe(16);
    expect(defaultTuning('nvidia', 32).conv2dWorkgroup).toBe(32);
    expect(defaultTuning('amd', 64).lstmWorkgroup).toBe(64);
    expect(defaultTuning('gpu', 0)).toEqual(tuningTable.gpu);
  });

  it('is the table row of this adapter unless forced', () => {
    const { adapterClass, ...tuning } = kernelTuning();
    expect(tuning).toEqual(defaultTuning(adapterClass, wg.gpu().subgroupSize));
  });

  it('narrows matmul on GPUs to the columns N needs, and a forced width pins it', () => {
    setKernelTuning({ matmulWorkgroup: 64, matmulMinWorkgroup: 32 });
    expect([matmulWorkgroupWidth(64, 8), matmulWorkgroupWidth(300, 8), matmulWorkgroupWidth(4096, 8)]).toEqual([32, 64, 64]);
    setKernelTuning({ matmulWorkgroup: 16 });
    expect([matmulWorkgroupWidth(4, 8), matmulWorkgroupWidth(4096, 8)]).toEqual([16, 16]);
    setKernelTuning();
  });

  it('parses WEBGRAD_TUNING and refuses what it cannot use', () => {
    expect(parseTuning('conv2dWorkgroup=64, matmulWorkgroup=16')).toEqual({ conv2dWorkgroup: 64, matmulWorkgroup: 16 });
    expect(parseTuning('workgroup=32')).toEqual({ workgroup: 32 });
    expect(() => parseTuning('convWorkgroup=8')).toThrow(/unknown key 'convWorkgroup'.*conv2dWorkgroup/);
    expect(() => setKernelTuning({ lstmWorkgroup: 0 })).toThrow(/lstmWorkgroup must be a positive integer/);
    setKernelTuning({ conv2dWorkgroup: 100_000 });
    expect(() => kernelTuning()).toThrow(/conv2dWorkgroup = 100000 exceeds this adapter's workgroup limit/);
    setKernelTuning();
  });
});

describe('each width compiles its own pipeline', () => {
  afterEach(() => { setKernelTuning(); debugFlags.printShader = false; vi.restoreAllMocks(); });

  it('puts wg<width> in the key and WG = <width> in the WGSL of conv2d, its grad-weight, matmul and lstm', async () => {
    // 24: no class picks it, so nothing in this file has compiled it yet.
    setKernelTuning({ workgroup: 24 });
    const printed: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((text: unknown) => { printed.push(String(text)); });
    debugFlags.printShader = true;
    const x = wg.randn([1, 4, 6, 6], { requiresGrad: true });
    const w = wg.randn([8, 4, 3, 3], { requiresGrad: true });
    wg.conv2d(x, w, null, { padding: 1 }).sum().backward();
    const a = wg.randn([8, 16], { requiresGrad: true });
    const m = wg.matmul(a, wg.randn([16, 32])).sum();
    m.backward();
    const layer = { weightIh: wg.randn([16, 4], { requiresGrad: true }), weightHh: wg.randn([16, 4], { requiresGrad: true }) };
    const r = wg.lstm(wg.randn([3, 2, 4]), [layer]);
    r.output.sum().backward();
    await wg.synchronize();
    const compiled = printed.filter((p) => p.startsWith('// ---- kernel ')).map((p) => ({ key: p.split('\n')[0]!.replace('// ---- kernel ', ''), code: p }));
    for (const family of ['conv2d:implicit-gemm', 'conv2d:wgrad', 'matmul:vec4', 'lstm:step', 'lstm:backward']) {
      const mine = compiled.filter((k) => k.key.startsWith(family));
      expect(mine.length, `${family} compiled at width 24`).toBeGreaterThan(0);
      for (const k of mine) {
        expect(k.key).toMatch(/:wg24(:|$)/);
        expect(k.code).toMatch(/const WG = 24u;/);
      }
    }
  });
});

// Default-width results of the wide shapes, computed once before any width is forced.
interface Wide { name: string; run: () => Promise<Float32Array[]> }

async function values(tensors: wg.Tensor[]): Promise<Float32Array[]> {
  const out = await Promise.all(tensors.map(async (t) => Float32Array.from(await t.data())));
  tensors.forEach((t) => t.dispose());
  return out;
}

function leaf(shape: number[], seed: number): wg.Tensor {
  wg.manualSeed(seed);
  return wg.randn(shape, { requiresGrad: true });
}

// Output channels and columns past 64 invocations × 8 columns (two or three column tiles at
// the widest width, dozens at 8), a stem-like grad-weight that folds kx, a ragged row tile.
const wideCases: Wide[] = [
  {
    name: 'conv2d 3x3 pad 1, 16 → 520 channels: forward, grad-input, grad-weight, grad-bias',
    run: async () => {
      const [x, w, b] = [leaf([2, 16, 9, 7], 1), leaf([520, 16, 3, 3], 2), leaf([520], 3)];
      const y = wg.conv2d(x, w, b, { padding: 1 });
      y.mul(y).sum().backward();
      return values([y, x.grad!, w.grad!, b.grad!, x, w, b]);
    },
  },
  {
    name: 'conv2d stem 7x7/2, 3 → 72 channels (grad-weight folds kx)',
    run: async () => {
      const [x, w] = [leaf([3, 3, 23, 19], 4), leaf([72, 3, 7, 7], 5)];
      const y = wg.conv2d(x, w, null, { stride: 2, padding: 3 });
      y.mul(y).sum().backward();
      return values([y, x.grad!, w.grad!, x, w]);
    },
  },
  {
    name: 'matmul [13, 36] @ [36, 1032] and both gradients (transposed operands)',
    run: async () => {
      const [a, b] = [leaf([13, 36], 6), leaf([36, 1032], 7)];
      const y = wg.matmul(a, b);
      y.mul(y).sum().backward();
      return values([y, a.grad!, b.grad!, a, b]);
    },
  },
  {
    name: 'lstm H = 264 (66 vec4 units), forward and backward',
    run: async () => {
      const x = leaf([3, 2, 8], 8);
      const layers = [{ weightIh: leaf([1056, 8], 9), weightHh: leaf([1056, 264], 10) }];
      const r = wg.lstm(x, layers);
      r.output.mul(r.output).sum().backward();
      return values([r.output, r.cN, x.grad!, ...layers.flatMap((l) => [l.weightIh.grad!, l.weightHh.grad!]), r.hN, x,
        ...layers.flatMap((l) => [l.weightIh, l.weightHh])]);
    },
  },
];

const reference = new Map<string, Float32Array[]>();
beforeAll(async () => {
  setKernelTuning();
  for (const c of wideCases) reference.set(c.name, await c.run());
});

const fixtures = [...loadFixture('conv2d', 'conv'), ...loadFixture('matmul'), ...loadFixture('linear', 'nn'), ...loadFixture('lstm', 'nn')];

describe.each(widths)('every kernel forced to workgroup width %i', (width) => {
  beforeAll(() => setKernelTuning({ workgroup: width }));
  afterAll(() => setKernelTuning());

  it('is in force', () => {
    const { adapterClass: _, ...tuning } = kernelTuning();
    expect(new Set(Object.values(tuning))).toEqual(new Set([width]));
  });

  for (const c of wideCases) {
    it(`${c.name}: the default width's results bit for bit`, async () => {
      const got = await c.run();
      const want = reference.get(c.name)!;
      expect(got.length).toBe(want.length);
      got.forEach((g, i) => expect(g, `result ${i}`).toEqual(want[i]));
    });
  }

  describe('vs PyTorch', () => {
    for (const c of fixtures) it(c.name, () => checkCase(c));
  });
});
