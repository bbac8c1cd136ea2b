// The seed's deployment on real HMDB51 clips (../shared/hmdb51-mini, DivX AVI through ffmpeg) and an
// H.264 MP4, with weights made here: predictVideo's probabilities equal a direct forward of the same
// 16 frames; class names from the class map beside the weights, a given map or names; clear errors
// for weights of another model or a class map of another size; `npm run predict` end to end.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import * as wg from '../../engine/index.js';
import { resnet18, Resnt18Rnn } from '../../models/index.js';
import { extractClip } from '../../pipeline/extract.js';
import { predictVideo } from '../../pipeline/train/predict.js';
import { frameToTensor, IMAGENET_MEAN, IMAGENET_STD, NO_AUGMENT } from '../../pipeline/transforms.js';
import { setupGpu } from '../helpers/gpu.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const mini = join(root, '..', 'shared', 'hmdb51-mini');
const classes = ['brush_hair', 'climb', 'climb_stairs', 'golf', 'punch', 'shoot_bow', 'swing_baseball'];
const clip = join(mini, 'golf', 'Golf_Tips_-_Hit_The_Driver_300+_Yards!!!_golf_f_nm_np1_fr_med_0.avi');
let dir: string;
let weights: string;
let model: Resnt18Rnn;

beforeAll(async () => {
  await setupGpu();
  dir = mkdtempSync(join(tmpdir(), 'webgrad-predict-'));
  wg.manualSeed(11);
  model = new Resnt18Rnn({ numClasses: classes.length, pretrained: false });
  weights = join(dir, 'weights_rnn.pt');
  await wg.saveTorch(weights, model.stateDict());
  writeFileSync(join(dir, 'weights_rnn.classes.json'), JSON.stringify({ classes }));
});

describe('predictVideo', () => {
  it('gives the probabilities of a direct forward on the same 16 frames, named from the class map beside the weights', async () => {
    const result = await predictVideo(clip, { weights });
    const frames = await extractClip(clip, 16);
    const x = new Float32Array(16 * 3 * 112 * 112);
    frames.frames.forEach((rgb, t) => frameToTensor(rgb, frames.width, frames.height, { size: 112, mean: IMAGENET_MEAN, std: IMAGENET_STD }, NO_AUGMENT, x, t * 3 * 112 * 112));
    const input = wg.tensor(x, { shape: [1, 16, 3, 112, 112] });
    const p = wg.noGrad(() => wg.softmax(model.eval().call(input), 1));
    const expected = await p.data();
    expect(result.top).toHaveLength(5);
    expect(result.frames).toEqual(frames.indices);
    for (const t of result.top) {
      expect(t.label).toBe(classes[t.index]);
      expect(Math.abs(t.probability - expected[t.index]!)).toBeLessThan(1e-6);
    }
    expect(result.top[0]!.probability).toBeGreaterThanOrEqual(result.top[1]!.probability);
    input.dispose();
    p.dispose();
  });

  it('an H.264 MP4; --class-names and a plain-array class map; 3 classes print 3', async () => {
    const mp4 = join(root, '..', 'shared', 'videos', 'arm_wrestling_h264_340x256.mp4');
    const byNames = await predictVideo(mp4, { weights, classNames: classes.map((c) => c.toUpperCase()), topK: 3 });
    expect(byNames.top.map((t) => t.label)).toEqual(byNames.top.map((t) => classes[t.index]!.toUpperCase()));
    const mapFile = join(dir, 'names.json');
    writeFileSync(mapFile, JSON.stringify(classes));
    expect((await predictVideo(mp4, { weights, classMap: mapFile, topK: 3 })).top.map((t) => t.label)).toEqual(byNames.top.map((t) => classes[t.index]));
  });

  it('errors: no weights, weights of another model, a class map of another size', async () => {
    await expect(predictVideo(clip, { weights: join(dir, 'missing.pt') })).rejects.toThrow(`no weights at ${join(dir, 'missing.pt')}; train first (npm run train:hmdb) or pass --weights <file>`);
    const other = join(dir, 'resnet18.pt');
    const r = resnet18({ numClasses: 7 });
    await wg.saveTorch(other, r.stateDict());
    r.dispose();
    await expect(predictVideo(clip, { weights: other })).rejects.toThrow(/resnet18\.pt is not a Resnt18Rnn state dict \(expected baseModel\.\*, rnn\.weight_hh_l0, fc1\.weight; it has conv1\.weight, bn1\.weight/);
    await expect(predictVideo(clip, { weights, classNames: ['a', 'b'] })).rejects.toThrow('the given names names 2 classes but');
  });
});

describe('npm run predict', () => {
  const run = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'pipeline/predict-cli.ts', ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });

  it('prints the top 5 with probability bars; without class names it says how to name them', () => {
    const named = run([clip, '--weights', weights]);
    expect(named.status, named.stderr).toBe(0);
    const rows = named.stdout.trim().split('\n').slice(1);
    expect(rows).toHaveLength(5);
    expect(rows[0]).toMatch(/^ {2}1\. +[\d.]+% {2}(brush_hair|climb|climb_stairs|golf|punch|shoot_bow|swing_baseball) +#*$/);
    const bare = join(dir, 'bare');
    const bareWeights = join(bare + '.pt');
    spawnSync('cp', [weights, bareWeights]);
    const unnamed = run([clip, '--weights', bareWeights, '--top', '2']);
    expect(unnamed.status, unnamed.stderr).toBe(0);
    expect(unnamed.stdout).toMatch(/ {2}1\. +[\d.]+% {2}class \d/);
    expect(unnamed.stdout).toContain('name the classes with --class-names a,b,c or --class-map <json>');
    const bad = run([clip, '--top', 'x']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("predict: --top must be a positive integer, got 'x'");
  });
});
