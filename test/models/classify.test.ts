// ImageNet classification end to end: real photos through torchvision's IMAGENET1K_V1 transforms
// and a resnet18 loaded from the fixture's torch.save file, against PyTorch's logits; classifyImage
// and `npm run classify` on the same file.

import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import * as wg from '../../engine/index.js';
import { classifyImage, IMAGENET_CLASSES, preprocessImage, type ResNet, resnet18 } from '../../models/index.js';
import { setupGpu } from '../helpers/gpu.js';
import { readModelFixture, type SavedFileFixture, writeSavedFile } from './saved-file.js';

interface Photo { image: string; inputSum: number; logits: { shape: number[]; data: number[]; top5: number[][] } }
const fixture = readModelFixture<{ file: SavedFileFixture; photos: Photo[] }>('resnet18.json');
const root = fileURLToPath(new URL('../..', import.meta.url));
const photoPath = (name: string) => join(root, '..', 'shared', 'images', name);

let weightsPath: string;
let model: ResNet;
beforeAll(async () => {
  await setupGpu();
  weightsPath = writeSavedFile(fixture.file);
  model = await resnet18({ weights: weightsPath });
});

function classifyCli(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'models/classify-cli.ts', ...args], {
    cwd: root, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000,
  });
}

describe('resnet18 on real photos against PyTorch', () => {
  it.each(fixture.photos.map((p) => [p.image, p] as const))('%s: logits within 1e-3, same top-5', async (_, photo) => {
    const { data, shape } = await preprocessImage(photoPath(photo.image));
    expect(Math.abs(data.reduce((s, v) => s + v, 0) - photo.inputSum)).toBeLessThan(1e-2);
    const x = wg.tensor(data, { shape: [1, ...shape] });
    model.eval();
    const logits = wg.noGrad(() => model.call(x));
    const ours = await logits.data();
    let diff = 0;
    ours.forEach((v, i) => { diff = Math.max(diff, Math.abs(v - photo.logits.data[i]!)); });
    console.log(`resnet18 on ${photo.image}: max |logit - PyTorch| = ${diff.toExponential(2)}`);
    expect(diff).toBeLessThanOrEqual(1e-3);
    const predictions = await classifyImage(model, photoPath(photo.image));
    expect(predictions.map((p) => p.index)).toEqual(photo.logits.top5[0]);
    expect(predictions.map((p) => p.label)).toEqual(photo.logits.top5[0]!.map((i) => IMAGENET_CLASSES[i]));
    for (const t of [x, logits]) t.dispose();
  });

  it('classifyImage: probabilities in order, k as asked, the model\'s mode restored, clear errors', async () => {
    model.train();
    const top = await classifyImage(model, photoPath('car.jpg'), { topK: 3 });
    expect(model.training).toBe(true);
    model.eval();
    expect(top).toHaveLength(3);
    expect(top[0]!.probability).toBeGreaterThanOrEqual(top[1]!.probability);
    expect(top.every((p) => p.probability > 0 && p.probability < 1)).toBe(true);
    await expect(classifyImage(model, photoPath('car.jpg'), { classes: ['a', 'b'] }))
      .rejects.toThrow('classifyImage: the model has 1000 outputs but 2 class names were given; pass options.classes');
  });
});

describe('npm run classify', () => {
  it('prints the top 5 of a photo with a local weights file', () => {
    const photo = fixture.photos[0]!;
    const json = classifyCli([photoPath(photo.image), '--weights', weightsPath, '--json']);
    expect(json.status, json.stderr).toBe(0);
    const predictions = JSON.parse(json.stdout) as Array<{ index: number; label: string }>;
    expect(predictions.map((p) => p.index)).toEqual(photo.logits.top5[0]);
    const text = classifyCli([photoPath(photo.image), '--weights', weightsPath, '--top', '2']);
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`  1\\.\\s+[\\d.]+%\\s+${photo.logits.top5[0]![0]}  ${IMAGENET_CLASSES[photo.logits.top5[0]![0]!]}`));
    expect(text.stdout.trim().split('\n')).toHaveLength(3);
  });

  it('--help; offline without the ImageNet file it says where to put it and exits 1', () => {
    const help = classifyCli(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('usage: npm run classify -- <image.jpg|png> [options]');
    const home = mkdtempSync(join(tmpdir(), 'webgrad-home-'));
    const offline = classifyCli([photoPath('car.jpg'), '--offline'], { WEBGRAD_HOME: home, TORCH_HOME: join(home, 'torch') });
    expect(offline.status).toBe(1);
    expect(offline.stderr).toContain(join(home, 'weights', 'resnet18-f37072fd.pth'));
    const bad = classifyCli([photoPath('car.jpg'), '--top', '0']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("classify: --top must be an integer from 1 to 1000, got '0'");
  });
});
