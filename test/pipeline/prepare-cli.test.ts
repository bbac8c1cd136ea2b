import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeDemoVideos } from '../../pipeline/demo/make-demo.js';
import { MINI, SHARED, tempDir } from './helpers.js';

const ROOT = resolve(import.meta.dirname, '../..');
const LISTS_ABOVE = join(SHARED, 'hmdb51-splits');

/** npm run prepare:hmdb -- …args, without npm. */
function cli(args: string[]): Promise<{ status: number | null; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'pipeline/prepare-cli.ts', '--no-progress', ...args], { cwd: ROOT });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.resume();
    child.on('close', (status) => done({ status, stderr }));
  });
}

const clipFolders = (out: string): string[] =>
  readdirSync(out).filter((c) => !c.includes('.')).flatMap((c) => readdirSync(join(out, c)).filter((d) => existsSync(join(out, c, d, 'meta.json'))).map((d) => `${c}/${d}`)).sort();
const json = (path: string): Record<string, unknown> => JSON.parse(readFileSync(path, 'utf8'));

/** The unsharded run of the 7 shared HMDB51 clips with the official split, made by the first test. */
let official: string;

describe('prepare:hmdb on a small folder (one clip per class)', () => {
  it('keeps the frames, prints the fixes, and the printed official-split command then works without extracting again', async () => {
    const out = join(tempDir('cli-mini'), 'frames');
    const r = await cli(['--data', MINI, '--out', out, '--jobs', '2']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('stratified split: every class needs at least 2 clips, and brush_hair, climb, climb_stairs, golf, punch, shoot_bow, swing_baseball have fewer');
    expect(r.stderr).toContain(`the frames of all 7 clips stay in ${out}`);
    expect(r.stderr).toContain(`(lists found in ${LISTS_ABOVE}: 5 of these clips train, 2 test)`);
    expect(clipFolders(out)).toHaveLength(7);
    expect(existsSync(join(out, 'split.json'))).toBe(false);
    // no class has 2 clips, so --classes is no fix here
    expect(r.stderr).not.toContain('--classes brush');
    const fix = r.stderr.split('\n').map((l) => l.trim()).find((l) => l.startsWith('npm run prepare:hmdb -- ') && l.includes('official:1'))!;
    expect(fix).toBe(`npm run prepare:hmdb -- --no-progress --data ${MINI} --out ${out} --jobs 2 --split official:1 --splits-dir ${LISTS_ABOVE}`);

    const again = await cli(fix.slice('npm run prepare:hmdb -- '.length).split(' ').slice(1));
    expect(again.status, again.stderr).toBe(0);
    expect(again.stderr).toContain('7 clips ready');
    expect(again.stderr).toContain('0 extracted');
    expect(again.stderr).toContain('7 resumed');
    expect(again.stderr).toContain('wrote a split in');
    expect(again.stderr).toContain('5 train, 2 test clips, 7 classes');
    expect(again.stderr).toContain('2 classes with no training clip (a model cannot learn them): climb_stairs, punch');
    const split = json(join(out, 'split.json'));
    expect(split.spec).toEqual({ kind: 'official', split: 1, splitsDir: join(LISTS_ABOVE, 'testTrainMulti_7030_splits') });
    expect(split.test).toEqual([
      'climb_stairs/Increase_stride_length_by_running_stairs__working_step_over_action_speed_development_climb_stairs_f_cm_np1_le_med_1',
      'punch/AdvancedBoxingTechniquesandExercises_punch_u_nm_np1_ba_med_23',
    ]);
    official = out;
  });

  it('offers --classes with the classes that have 2 clips; refuses the official split, before extracting, for classes it has no list for', async () => {
    const root = tempDir('cli-demo');
    const data = join(root, 'videos');
    await makeDemoVideos({ out: data, classes: 3, clipsPerClass: 2 });
    const out = join(root, 'frames');
    const [noLists, withoutDir] = await Promise.all([
      cli(['--data', data, '--out', out, '--split', 'official:1', '--splits-dir', LISTS_ABOVE]),
      cli(['--data', MINI, '--out', join(root, 'mini'), '--split', 'official:2']),
    ]);
    expect(noLists.status).toBe(2);
    expect(noLists.stderr).toContain(`--split official:1: ${join(LISTS_ABOVE, 'testTrainMulti_7030_splits')} has no list for blue-green-red, green-blue-red, red-green-blue`);
    expect(existsSync(out)).toBe(false);
    expect(withoutDir.status).toBe(2);
    expect(withoutDir.stderr).toContain(`--split official:2 needs --splits-dir: HMDB51's lists are beside --data, add --splits-dir ${LISTS_ABOVE}`);

    // a fourth class with one clip: the fix is the three classes with two
    mkdirSync(join(data, 'one'));
    copyFileSync(join(data, 'red-green-blue', 'red-green-blue_000.avi'), join(data, 'one', 'only.avi'));
    const r = await cli(['--data', data, '--out', out]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('and one has fewer');
    // not HMDB51's classes, and no lists nearby: the official split is not offered
    expect(r.stderr).not.toContain('official');
    const fix = r.stderr.split('\n').map((l) => l.trim()).find((l) => l.startsWith('npm run prepare:hmdb -- ') && l.includes('--classes'))!;
    expect(fix).toBe(`npm run prepare:hmdb -- --no-progress --data ${data} --out ${out} --classes blue-green-red,green-blue-red,red-green-blue`);
    // which, with 6 clips in 3 classes, meets the next limit: 10 % gives 1 test clip for 3 classes
    const next = await cli(fix.slice('npm run prepare:hmdb -- '.length).split(' ').slice(1));
    expect(next.status).toBe(1);
    expect(next.stderr).toContain('0 extracted');
    expect(next.stderr).toContain('1 test clips, fewer than the 3 classes');
    expect(next.stderr).toContain('a larger test share, so every class can have a test clip: --test-size 0.5');
  });
});

describe('prepare:hmdb --shard and --merge-shards', () => {
  beforeAll(() => {
    expect(official, 'the small-folder test makes the unsharded run').toBeDefined();
  });

  it('3 shard runs and a merge with the official split give the unsharded run’s clips, manifest and split', async () => {
    const out = join(tempDir('cli-shards'), 'frames');
    const shard = (i: number): Promise<{ status: number | null; stderr: string }> => cli(['--data', MINI, '--out', out, '--jobs', '1', '--shard', `${i}/3`]);
    const [s0, s1, splitHere, mergeData] = await Promise.all([
      shard(0), shard(1),
      cli(['--data', MINI, '--out', out, '--shard', '2/3', '--split', 'official:1']),
      cli(['--merge-shards', '3', '--out', out, '--data', MINI]),
    ]);
    for (const r of [s0, s1]) expect(r.status, r.stderr).toBe(0);
    expect(s0.stderr).toContain(`npm run prepare:hmdb -- --merge-shards 3 --out ${out}`);
    expect(splitHere.status).toBe(2);
    expect(splitHere.stderr).toContain("--split applies to the merge, which makes the split once over every shard's clips: pass it to --merge-shards 3");
    expect(mergeData.status).toBe(2);
    expect(mergeData.stderr).toContain('--data applies to the shard runs');
    expect(readdirSync(out).filter((f) => f.endsWith('.json')).sort()).toEqual(['manifest.shard-0-of-3.json', 'manifest.shard-1-of-3.json']);

    const early = await cli(['--merge-shards', '3', '--out', out, '--split', 'official:1', '--splits-dir', LISTS_ABOVE]);
    expect(early.status).toBe(1);
    expect(early.stderr).toContain('1 of the 3 shards have not finished (no manifest.shard-2-of-3.json…): shards 2');
    const s2 = await shard(2);
    expect(s2.status, s2.stderr).toBe(0);
    const merged = await cli(['--merge-shards', '3', '--out', out, '--split', 'official:1', '--splits-dir', LISTS_ABOVE]);
    expect(merged.status, merged.stderr).toBe(0);
    expect(merged.stderr).toContain('merged 3 shards: 7 clips');
    expect(merged.stderr).toContain('5 train, 2 test clips, 7 classes');

    expect(clipFolders(out)).toEqual(clipFolders(official));
    const { finished: _a, ...m } = json(join(out, 'manifest.json'));
    const { finished: _b, ...o } = json(join(official, 'manifest.json'));
    expect(m).toEqual(o);
    expect(readFileSync(join(out, 'split.json'), 'utf8')).toBe(readFileSync(join(official, 'split.json'), 'utf8'));
    expect(readFileSync(join(out, 'prepare.json'), 'utf8')).toBe(readFileSync(join(official, 'prepare.json'), 'utf8'));
  });
});
