// npm run train:hmdb's bad input: each refused with a message naming the option or folder and the fix.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { parseTrainArgs } from '../../pipeline/train/options.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const train = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'pipeline/train-cli.ts', ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });

it('option values are checked, naming the option', () => {
  const cases: Array<[string[], string]> = [
    [['--epochs', '0'], "--epochs must be an integer from 1 to 100000, got '0'"],
    [['--batch-size', '2.5'], "--batch-size must be an integer from 1 to 4096, got '2.5'"],
    [['--lr=-1'], "--lr must be a positive number, got '-1'"],
    [['--test-size', '1'], "--test-size must be a fraction between 0 and 1, got '1'"],
    [['--split', 'random'], "--split must be stratified or official:1, official:2 or official:3, got 'random'"],
    [['--data', 'v', '--split', 'official:1'], '--split official:1 needs --splits-dir <testTrainMulti_7030_splits folder>'],
    [['--bn-stats', 'clip'], "--bn-stats must be frames or time-step, got 'clip'"],
    [['--data', 'same', '--frames', 'same'], '--data and --frames must be different folders (videos in, frames out)'],
    [['--epoch', '3'], "Unknown option '--epoch'"],
  ];
  for (const [args, message] of cases) expect(() => parseTrainArgs(args), args.join(' ')).toThrow(message);
  const { options, explicit } = parseTrainArgs(['--epochs', '3', '--no-augment', '--freeze-backbone']);
  expect([options.epochs, options.augment, options.freezeBackbone, options.lr, options.batchSize]).toEqual([3, false, true, 3e-5, 8]);
  expect([...explicit].sort()).toEqual(['epochs', 'freeze-backbone', 'no-augment']);
});

it('the CLI: --help, a bad option (exit 2); a missing or empty --data folder, a class without videos, too few clips for a split, an unprepared --frames folder (exit 1)', () => {
  const help = train(['--help']);
  expect(help.status).toBe(0);
  expect(help.stdout).toContain('usage: npm run train:hmdb -- [--data <videos dir> | --frames <frames dir>] [options]');
  const bad = train(['--epochs', 'x']);
  expect(bad.status).toBe(2);
  expect(bad.stderr).toContain("train: --epochs must be an integer from 1 to 100000, got 'x'");
  const dir = mkdtempSync(join(tmpdir(), 'webgrad-train-cli-'));
  const missing = train(['--data', join(dir, 'nope'), '--out', join(dir, 'out')]);
  expect(missing.status).toBe(1);
  expect(missing.stderr).toContain(`train: --data ${join(dir, 'nope')} does not exist; pass the folder holding one subfolder of videos per class`);
  mkdirSync(join(dir, 'empty'));
  const empty = train(['--data', join(dir, 'empty'), '--out', join(dir, 'out'), '--no-progress']);
  expect(empty.status).toBe(1);
  expect(empty.stderr).toContain(`data folder ${join(dir, 'empty')} has no class subfolders: lay it out as <data>/<class>/<clip>.avi`);
  mkdirSync(join(dir, 'one', 'a'), { recursive: true });
  mkdirSync(join(dir, 'one', 'b'));
  copyFileSync(join(root, '..', 'shared', 'videos', 'eye_makeup_xvid_320x240.avi'), join(dir, 'one', 'a', 'clip.avi'));
  const one = train(['--data', join(dir, 'one'), '--out', join(dir, 'out'), '--no-progress', '--workers', '1']);
  expect(one.status).toBe(1);
  expect(one.stdout + one.stderr).toContain(`class folder ${join(dir, 'one', 'b')} holds no video`);
  expect(one.stderr).toContain('stratified split: every class needs at least 2 clips, and a has fewer; add clips or leave that class out with --classes');
  mkdirSync(join(dir, 'frames'));
  const unprepared = train(['--frames', join(dir, 'frames'), '--out', join(dir, 'out')]);
  expect(unprepared.status).toBe(1);
  expect(unprepared.stderr).toContain(`${join(dir, 'frames', 'prepare.json')} not found; --frames must be a folder made by npm run prepare:hmdb`);
});

it('webgrad/pipeline is the library face of the workflow (the built package, by name)', () => {
  const script = "import('webgrad/pipeline').then((m) => console.log(['trainHmdb', 'trainVal', 'predictVideo', 'evaluateSplit', 'prepare', 'VideoDataset', 'DataLoader', 'makeDemoVideos', 'downloadHmdb51', 'historyChart'].filter((k) => typeof m[k] !== 'function').join(',') || 'all there'))";
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  expect(r.status, r.stderr).toBe(0);
  expect(r.stdout.trim()).toBe('all there');
});
