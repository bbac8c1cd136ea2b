// The training job end to end on a small demo folder (prepare → split → train → eval). A run stopped
// mid-epoch (as Ctrl-C stops it: a checkpoint after the current batch) and resumed ends with the same
// weights, byte for byte, as a run that was never interrupted — full fine-tuning with augmentation
// and dropout, so the loader order, the augmentation draws and the generator's state all come back.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, expect, it } from 'vitest';
import { loadTorch, serializeTorch, type Tensor } from '../../engine/index.js';
import { makeDemoVideos } from '../../pipeline/demo/make-demo.js';
import { CheckpointError } from '../../pipeline/train/checkpoint.js';
import { TRAIN_DEFAULTS, type TrainOptions } from '../../pipeline/train/options.js';
import { trainHmdb } from '../../pipeline/train/train-job.js';
import { setupGpu } from '../helpers/gpu.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
let root: string;
let options: (out: string) => TrainOptions;

beforeAll(async () => {
  await setupGpu();
  root = mkdtempSync(join(tmpdir(), 'webgrad-resume-'));
  await makeDemoVideos({ out: join(root, 'videos'), classes: 3, clipsPerClass: 4 });
  options = (out) => ({
    ...TRAIN_DEFAULTS, data: join(root, 'videos'), frames: join(root, 'frames'), out, epochs: 2, batchSize: 2, lr: 1e-3,
    framesPerClip: 4, imageSize: 32, testSize: 0.25, workers: 0, backboneWeights: 'none', checkpointEvery: 3, progress: false,
  });
});

/** The model's state at the end of the last epoch, as saved in the checkpoint. */
async function finalModelBytes(out: string): Promise<string> {
  const c = await loadTorch(join(out, 'checkpoint.pt')) as Map<string, unknown>;
  const model = c.get('model') as Map<string, Tensor>;
  const bytes = await serializeTorch(model);
  for (const t of model.values()) t.dispose();
  return sha(bytes);
}

it('stopped after a batch of epoch 1 and resumed: the same weights_rnn.pt and final weights as an uninterrupted run', async () => {
  const straight = join(root, 'straight');
  const quiet = () => undefined;
  const a = await trainHmdb(options(straight), { log: quiet });
  expect(a.finished).toBe(true);

  const interrupted = join(root, 'interrupted');
  const controller = new AbortController();
  const lines: string[] = [];
  const b = await trainHmdb(options(interrupted), {
    signal: controller.signal,
    log: (line) => {
      lines.push(line);
      if (line.startsWith('Epoch 1/1')) controller.abort(); // stops after epoch 1's first batch
    },
  });
  expect(b.finished).toBe(false);
  expect(b.state.epoch).toBe(1);
  expect(b.state.trainSums.batches).toBe(1);
  await expect(trainHmdb({ ...options(interrupted), lr: 5e-4, resume: true }, { log: quiet }))
    .rejects.toThrow(/--resume: .*checkpoint\.pt was written with other settings \(lr: checkpoint 0\.001, now 0\.0005\); resume with the same options, or start afresh in another --out/);
  const resumed: string[] = [];
  const c = await trainHmdb({ ...options(interrupted), resume: true }, { log: (line) => resumed.push(line) });
  expect(c.finished).toBe(true);
  expect(resumed.some((l) => /resumed from .*checkpoint\.pt at epoch 1, batch 1/.test(l))).toBe(true);

  expect(sha(readFileSync(join(interrupted, 'weights_rnn.pt')))).toBe(sha(readFileSync(join(straight, 'weights_rnn.pt'))));
  expect(await finalModelBytes(interrupted)).toBe(await finalModelBytes(straight));
  const history = (dir: string) => JSON.parse(readFileSync(join(dir, 'history.json'), 'utf8')) as { loss_hist: unknown; metric_hist: unknown; lr: unknown };
  expect(history(interrupted).loss_hist).toEqual(history(straight).loss_hist);
  expect(history(interrupted).metric_hist).toEqual(history(straight).metric_hist);
}, 300_000); // three training runs of a ResNet18: minutes when the browser tests share the cores

it('--resume without a checkpoint says so', async () => {
  await expect(trainHmdb({ ...options(join(root, 'nothing')), resume: true }, { log: () => undefined }))
    .rejects.toThrow(CheckpointError);
});

it('eval:hmdb on the trained weights: metrics over the test split, the per-class table and the confusion matrix files', () => {
  const out = join(root, 'straight');
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'pipeline/eval-cli.ts', '--frames', join(root, 'frames'), '--weights', join(out, 'weights_rnn.pt'), '--workers', '0', '--json'], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)), encoding: 'utf8', timeout: 120_000,
  });
  expect(r.status, r.stderr).toBe(0);
  const m = JSON.parse(r.stdout) as { clips: number; top1: number; top5: number; classes: string[]; confusion: number[][]; confusionFiles: { svg: string; png: string } };
  expect(m.clips).toBe(3);
  expect(m.classes).toHaveLength(3);
  expect(m.top5).toBe(1); // 3 classes: every label is in the top 5
  expect(m.confusion.flat().reduce((s, v) => s + v, 0)).toBe(3);
  expect(m.top1).toBe(m.confusion.reduce((s, row, i) => s + row[i]!, 0) / 3);
  expect(readFileSync(m.confusionFiles.png).subarray(1, 4).toString()).toBe('PNG');
  expect(readFileSync(m.confusionFiles.svg, 'utf8')).toContain(m.classes[0]);
});

it('a checkpoint that cannot be written (here a folder in its place) stops the run with a message that keeps the rest', async () => {
  const out = join(root, 'blocked');
  mkdirSync(join(out, 'checkpoint.pt'), { recursive: true });
  await expect(trainHmdb({ ...options(out), epochs: 1, checkpointEvery: 0 }, { log: () => undefined }))
    .rejects.toThrow(/could not write the checkpoint to .*checkpoint\.pt \(.*\); the previous checkpoint there is intact\. Free some disk space \(or fix the folder\) and continue with --resume/);
  expect(existsSync(join(out, 'weights_rnn.pt'))).toBe(true);
});
