// Every op against PyTorch: forward outputs and every input gradient, per the fixture
// files written by test/fixtures/generate_core.py (torch 1.13). Tolerances are per case.
import { beforeAll, describe, expect, it } from 'vitest';
import { checkCase, loadFixture } from '../helpers/fixtures.js';
import { setupGpu } from '../helpers/gpu.js';

beforeAll(setupGpu);

for (const family of ['elementwise', 'reduction', 'matmul', 'indexing', 'softmax']) {
  describe(`${family} vs PyTorch`, () => {
    for (const c of loadFixture(family)) it(c.name, () => checkCase(c));
  });
}

describe('the harness itself', () => {
  const perturbed = (family: string, name: string, where: 'outputs' | 'grads') => {
    const c = structuredClone(loadFixture(family).find((x) => x.name === name)!);
    const target = where === 'outputs' ? c.outputs[0]! : c.grads!.find((g) => g)!;
    target.data[0] = Number(target.data[0]) + 1e-3;
    return c;
  };
  it('fails on a forward value off by 1e-3', async () => {
    const c = perturbed('elementwise', loadFixture('elementwise')[0]!.name, 'outputs');
    await expect(checkCase(c)).rejects.toThrow(/output 0: element 0/);
  });
  it('fails on a gradient off by 1e-3', async () => {
    const name = loadFixture('matmul')[0]!.name;
    await expect(checkCase(perturbed('matmul', name, 'grads'))).rejects.toThrow(/grad \d: element 0/);
  });
});
