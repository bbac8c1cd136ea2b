// Every op against PyTorch: forward outputs and every input gradient, per the fixture
// files written by test/fixtures/generate_core.py (torch 1.13). Tolerances are per case.
import { beforeAll, describe, expect, it } from 'vitest';
import { perturbed } from '../helpers/fixture-case.js';
import { checkCase, loadFixture } from '../helpers/fixtures.js';
import { setupGpu } from '../helpers/gpu.js';

beforeAll(setupGpu);

for (const family of ['elementwise', 'reduction', 'matmul', 'indexing', 'softmax']) {
  describe(`${family} vs PyTorch`, () => {
    for (const c of loadFixture(family)) it(c.name, () => checkCase(c));
  });
}

describe('the harness itself', () => {
  it('fails on a forward value off by 1e-3', async () => {
    const c = perturbed(loadFixture('elementwise')[0]!, 'outputs');
    await expect(checkCase(c)).rejects.toThrow(/output 0: element 0/);
  });
  it('fails on a gradient off by 1e-3', async () => {
    await expect(checkCase(perturbed(loadFixture('matmul')[0]!, 'grads'))).rejects.toThrow(/grad \d: element 0/);
  });
});
