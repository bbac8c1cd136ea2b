// conv2dFolded (inference: eval BatchNorm folded into the conv, ReLU and the residual add in its
// epilogue) against the unfused ops it replaces — conv2d → batchNorm(eval) → + residual → relu — on
// ResNet-like and odd shapes (stride, groups, bias, no norm, 1x1, batch chunks), within 1e-4 of the
// largest output; the cached fold is reused, refolded after an in-place change, released with the
// weight; gradients are refused. The PyTorch check is test/models/resnet.test.ts: resnet18 in eval
// under noGrad runs this path and its logits are held to torchvision's.

import { beforeAll, describe, expect, it } from 'vitest';
import * as wg from '../../engine/index.js';
import { convTuning } from '../../engine/kernels/conv2d.js';
import { setupGpu } from '../helpers/gpu.js';

beforeAll(setupGpu);

interface Case {
  name: string; x: number[]; O: number; k: number; stride?: number; padding?: number; groups?: number;
  bias?: boolean; norm?: boolean; relu?: boolean; residual?: boolean;
}

const cases: Case[] = [
  { name: 'ResNet block conv: 3x3, BN, relu', x: [2, 16, 9, 9], O: 16, k: 3, padding: 1, norm: true, relu: true },
  { name: 'last conv of a block: BN, + shortcut, relu', x: [2, 16, 9, 9], O: 16, k: 3, padding: 1, norm: true, relu: true, residual: true },
  { name: 'downsample: 1x1/2, BN, no relu', x: [3, 8, 10, 10], O: 12, k: 1, stride: 2, norm: true },
  { name: 'stem: 7x7/2 pad 3 on 3 channels', x: [2, 3, 20, 18], O: 8, k: 7, stride: 2, padding: 3, norm: true, relu: true },
  { name: 'conv bias folded with BN, groups 2', x: [2, 6, 7, 7], O: 10, k: 3, padding: 1, groups: 2, bias: true, norm: true, relu: true },
  { name: 'no norm: conv + bias + residual', x: [1, 5, 6, 6], O: 7, k: 3, padding: 1, bias: true, residual: true },
];

async function maxDiff(a: wg.Tensor, b: wg.Tensor): Promise<{ diff: number; scale: number }> {
  const [x, y] = [await a.data(), await b.data()];
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < x.length; i++) {
    diff = Math.max(diff, Math.abs(x[i]! - y[i]!));
    scale = Math.max(scale, Math.abs(y[i]!));
  }
  return { diff, scale };
}

function layers(c: Case) {
  const Cg = c.x[1]! / (c.groups ?? 1);
  const w = wg.randn([c.O, Cg, c.k, c.k], { std: 0.2 });
  const b = c.bias ? wg.randn([c.O]) : null;
  const norm = c.norm ? {
    runningMean: wg.randn([c.O], { std: 0.3 }), runningVar: wg.rand([c.O]).add(0.5),
    weight: wg.randn([c.O], { std: 0.5 }).add(1), bias: wg.randn([c.O], { std: 0.2 }), eps: 1e-5,
  } : null;
  return { w, b, norm };
}

function unfused(c: Case, x: wg.Tensor, l: ReturnType<typeof layers>, residual: wg.Tensor | null): wg.Tensor {
  return wg.tidy(() => {
    let y = wg.conv2d(x, l.w, l.b, { stride: c.stride ?? 1, padding: c.padding ?? 0, groups: c.groups ?? 1 });
    if (l.norm) y = wg.batchNorm(y, l.norm.runningMean, l.norm.runningVar, l.norm.weight, l.norm.bias, { training: false, eps: l.norm.eps });
    if (residual) y = y.add(residual);
    return c.relu ? y.relu() : y;
  });
}

describe('conv2dFolded equals conv2d → batchNorm(eval) → + residual → relu', () => {
  it.each(cases)('$name', async (c) => {
    const x = wg.randn(c.x);
    const l = layers(c);
    const options = { stride: c.stride ?? 1, padding: c.padding ?? 0, groups: c.groups ?? 1 };
    const probe = wg.conv2d(x, l.w, null, options);
    const residual = c.residual ? wg.randn(probe.shape) : null;
    probe.dispose();
    const want = unfused(c, x, l, residual);
    const got = wg.noGrad(() => wg.conv2dFolded(x, l.w, l.b, l.norm, options, { relu: c.relu ?? false, ...(residual ? { residual } : {}) }));
    expect(got.shape).toEqual(want.shape);
    const { diff, scale } = await maxDiff(got, want);
    expect(diff).toBeLessThanOrEqual(1e-4 * Math.max(1, scale));
    if (c.relu) expect(Math.min(...await got.data())).toBeGreaterThanOrEqual(0);
    for (const t of [x, got, want, residual, l.w, l.b, ...Object.values(l.norm ?? {})]) if (t instanceof wg.Tensor) t.dispose();
  });

  it('gives the same result in batch chunks (bindings smaller than one tensor)', async () => {
    const c = cases[1]!;
    const x = wg.randn(c.x);
    const l = layers(c);
    const residual = wg.randn([2, 16, 9, 9]);
    const want = unfused(c, x, l, residual);
    convTuning.maxBindingBytes = 16 * 9 * 9 * 4 + 256; // one image per chunk
    try {
      const got = wg.noGrad(() => wg.conv2dFolded(x, l.w, l.b, l.norm, { padding: 1 }, { relu: true, residual }));
      expect((await maxDiff(got, want)).diff).toBeLessThanOrEqual(1e-4);
      got.dispose();
    } finally {
      convTuning.maxBindingBytes = undefined;
    }
  });
});

describe('the folded weights cache', () => {
  it('is reused while nothing changes, refolded after an in-place change, released with the weight', async () => {
    const c = cases[0]!;
    const x = wg.randn(c.x);
    const l = layers(c);
    const run = () => wg.noGrad(() => wg.conv2dFolded(x, l.w, null, l.norm, { padding: 1 }, { relu: true }));
    const handles = wg.memoryStats().liveTensors;
    const first = run();
    expect(wg.memoryStats().liveTensors).toBe(handles + 1); // folding leaves no tensor handle behind, only the output
    const bytesAfterFirst = wg.memoryStats().liveBytes;
    const again = run();
    expect(wg.memoryStats().liveBytes - bytesAfterFirst).toBe(again.numel * 4); // only the output: no refold
    expect(await again.data()).toEqual(await first.data());
    // the running variance changes in place (as loadStateDict or an update would): the next call refolds
    wg.noGrad(() => l.norm!.runningVar.mul_(4));
    const changed = run();
    const want = unfused(c, x, l, null);
    expect((await maxDiff(changed, want)).diff).toBeLessThanOrEqual(1e-4);
    expect((await maxDiff(changed, first)).diff).toBeGreaterThan(1e-3);
    for (const t of [first, again, changed, want]) t.dispose();
    const withCache = wg.memoryStats().liveBytes;
    l.w.dispose();
    // the weight (16·16·9 floats) and its folded copy (packed + bias) went back together
    expect(withCache - wg.memoryStats().liveBytes).toBeGreaterThan(2 * 16 * 16 * 9 * 4);
    for (const t of [x, ...Object.values(l.norm!)]) if (t instanceof wg.Tensor) t.dispose();
  });

  it('refuses inputs that need gradients, naming the fix', () => {
    const x = wg.randn([1, 2, 5, 5]);
    const w = wg.randn([3, 2, 3, 3], { requiresGrad: true });
    expect(() => wg.conv2dFolded(x, w, null, null)).toThrow(/inference only.*noGrad/);
    const r = wg.randn([1, 3, 4, 4]);
    expect(() => wg.noGrad(() => wg.conv2dFolded(x, w, null, null, {}, { residual: r }))).toThrow(/residual \[1,3,4,4\] must have the output's shape \[1,3,3,3\]/);
    for (const t of [x, w, r]) t.dispose();
  });
});
