// Pretrained backbones: Resnt18Rnn({ pretrained }) loads ImageNet-layout weights into baseModel,
// or — offline, file absent — says so once and continues from random init; getModel as the seed's.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as wg from '../../engine/index.js';
import { getModel, loadWeightsFile, registerWeights, resnet18, Resnt18Rnn } from '../../models/index.js';
import { setupGpu } from '../helpers/gpu.js';
import { generate, type Recipe } from '../helpers/prng.js';
import { readModelFixture, rebuildSavedFile, type SavedFileFixture, writeSavedFile } from './saved-file.js';
import { sequence, serveBytes, startServer, status } from './weights-server.js';

const saved = { ...process.env };
beforeAll(async () => {
  await setupGpu();
  const home = mkdtempSync(join(tmpdir(), 'webgrad-pretrained-'));
  Object.assign(process.env, { WEBGRAD_HOME: home, TORCH_HOME: join(home, 'torch'), WEBGRAD_OFFLINE: '1' });
});
afterAll(() => {
  for (const key of ['WEBGRAD_HOME', 'TORCH_HOME', 'WEBGRAD_OFFLINE']) {
    if (saved[key] === undefined) delete process.env[key];
    else process.env[key] = saved[key];
  }
});

describe('Resnt18Rnn pretrained', () => {
  it('unavailable ImageNet weights: reported once, random init, forward waits for ready', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const model = new Resnt18Rnn({ numClasses: 4 });
    const x = wg.zeros([1, 2, 3, 32, 32]);
    expect(() => model.call(x)).toThrow('Resnt18Rnn: the pretrained weights are still loading; `await model.ready`');
    await model.ready;
    expect(model.pretrainedStatus).toBe('unavailable');
    const second = await Resnt18Rnn.create({ numClasses: 4 });
    expect(second.pretrainedStatus).toBe('unavailable');
    expect(warn).toHaveBeenCalledTimes(1);
    const message = String(warn.mock.calls[0]![0]);
    expect(message).toContain(join(process.env.WEBGRAD_HOME!, 'weights', 'resnet18-f37072fd.pth'));
    expect(message).toContain('continuing with randomly initialised resnet18 weights');
    const y = wg.noGrad(() => model.eval().call(x));
    expect(y.shape).toEqual([1, 4]);
    warn.mockRestore();
    for (const t of [x, y]) t.dispose();
    model.dispose();
    second.dispose();
  });

  it('a resnet18 file loads into baseModel (its fc dropped); getModel builds the seed\'s model', async () => {
    const file = writeSavedFile(readModelFixture<{ file: SavedFileFixture }>('resnet18.json').file);
    const model = await getModel({ numClasses: 51, pretrained: file });
    expect(model).toBeInstanceOf(Resnt18Rnn);
    expect(model.pretrainedStatus).toBe('loaded');
    expect(model.rnn.hiddenSize).toBe(100);
    expect(model.dropout.p).toBe(0.1);
    const weights = await loadWeightsFile(file);
    const ours = model.stateDict();
    for (const key of ['conv1.weight', 'layer4.1.bn2.running_var']) {
      expect(Array.from(await ours.get(`baseModel.${key}`)!.data())).toEqual(Array.from(await weights.get(key)!.data()));
    }
    for (const t of weights.values()) t.dispose();
    model.dispose();
    await expect(getModel({ numClasses: 51, modelType: '3dcnn' }))
      .rejects.toThrow("getModel: modelType '3dcnn' (torchvision's r3d_18) is not implemented yet; use modelType 'rnn'");
  });
});

describe('named weights from a server (127.0.0.1)', () => {
  it('resnet18({ weights }) downloads after a failed attempt, verifies, caches, and gives PyTorch\'s logits', async () => {
    const fixture = readModelFixture<{ file: SavedFileFixture; inputs: Array<{ input: Recipe; logits: { data: number[] } }> }>('resnet18.json');
    const bytes = rebuildSavedFile(fixture.file);
    const server = await startServer();
    server.routes.set('/models/resnet18-generated.pth', sequence(status(503), serveBytes(bytes)));
    registerWeights({ arch: 'resnet18', name: 'GENERATED_V1', url: server.url('/models/resnet18-generated.pth'), sha256: fixture.file.sha256, bytes: bytes.length });
    delete process.env.WEBGRAD_OFFLINE;
    const progress: string[] = [];
    const stream = { isTTY: false, write: (s: string) => { progress.push(s); return true; } };
    try {
      const model = await resnet18({ weights: 'GENERATED_V1', progress: stream });
      expect(server.count('/models/resnet18-generated.pth')).toBe(2);
      expect(progress.join('')).toMatch(/MB/);
      const { input, logits } = fixture.inputs[0]!;
      const x = wg.tensor(generate(input), { shape: input.shape });
      const y = wg.noGrad(() => model.eval().call(x));
      const ours = await y.data();
      expect(Math.max(...Array.from(ours, (v, i) => Math.abs(v - logits.data[i]!)))).toBeLessThanOrEqual(1e-3);
      for (const t of [x, y]) t.dispose();
      model.dispose();
      // The second time it comes from the cache, and Resnt18Rnn takes the same name as its backbone.
      const video = await Resnt18Rnn.create({ numClasses: 3, pretrained: 'GENERATED_V1' });
      expect(video.pretrainedStatus).toBe('loaded');
      expect(server.count('/models/resnet18-generated.pth')).toBe(2);
      video.dispose();
    } finally {
      process.env.WEBGRAD_OFFLINE = '1';
      await server.close();
    }
  });
});
