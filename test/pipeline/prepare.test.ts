import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepare, PrepareError } from '../../pipeline/prepare.js';
import { ffmpeg, MINI, tempDir, XVID } from './helpers.js';

const ROOT = resolve(import.meta.dirname, '../..');

/** Every file under dir (relative path → bytes), leaving out the run-level JSON that records times. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (rel: string): void => {
    for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else if (r !== 'manifest.json') out.set(r, readFileSync(join(dir, r)).toString('base64'));
    }
  };
  walk('');
  return out;
}

describe('bad input', () => {
  it('reports corrupt, zero-byte and too-short clips, skips them, and completes the run', async () => {
    const root = tempDir('bad');
    const data = join(root, 'data');
    for (const c of ['good', 'broken', 'nothing']) mkdirSync(join(data, c), { recursive: true });
    copyFileSync(XVID, join(data, 'good/eye.avi'));
    writeFileSync(join(data, 'broken/zero.avi'), '');
    writeFileSync(join(data, 'broken/garbage.mp4'), Buffer.alloc(5000, 7));
    // a real AVI cut off after its header and a few frames
    writeFileSync(join(data, 'broken/truncated.avi'), readFileSync(XVID).subarray(0, 9000));
    ffmpeg(['-i', XVID, '-frames:v', '10', '-an', '-c:v', 'mpeg4', join(data, 'broken/short.avi')]);
    writeFileSync(join(data, 'nothing/readme.txt'), 'no videos here');
    const lines: string[] = [];
    const s = await prepare({ data, out: join(root, 'frames'), progress: false, jobs: 2, log: (l) => lines.push(l) });
    expect(s.clips.map((c) => c.clip)).toEqual(['eye']);
    const reasons = Object.fromEntries(s.failed.map((f) => [f.path.slice(f.path.lastIndexOf('/') + 1), f.reason]));
    expect(Object.keys(reasons).sort()).toEqual(['garbage.mp4', 'short.avi', 'truncated.avi', 'zero.avi']);
    expect(reasons['zero.avi']).toMatch(/empty file/);
    expect(reasons['short.avi']).toMatch(/too short: 10 frames/);
    expect(reasons['garbage.mp4']).toMatch(/MP4/);
    expect(s.emptyClasses).toEqual(['nothing']);
    expect(lines.some((l) => l.includes(join(data, 'nothing')) && l.includes('no video'))).toBe(true);
    const manifest = JSON.parse(readFileSync(s.manifest, 'utf8'));
    expect(manifest.failed).toHaveLength(4);
    expect(manifest.clips).toHaveLength(1);
    // no half-made folder of a failed clip is left behind
    const brokenOut = join(root, 'frames/broken');
    expect(existsSync(brokenOut) ? readdirSync(brokenOut) : []).toEqual([]);
    expect(reasons['truncated.avi']).toBeTruthy();
  });

  it('names the folder and the fix for a missing or empty data folder', async () => {
    const root = tempDir('empty');
    await expect(prepare({ data: join(root, 'nope'), out: join(root, 'f'), progress: false })).rejects.toThrow(/nope does not exist.*--data/);
    mkdirSync(join(root, 'data/cls'), { recursive: true });
    await expect(prepare({ data: join(root, 'data'), out: join(root, 'f'), progress: false, log: () => {} })).rejects.toThrow(PrepareError);
    await expect(prepare({ data: join(root, 'data'), out: join(root, 'f'), progress: false, log: () => {} })).rejects.toThrow(/no videos/);
  });

  it('refuses a frames folder made with other settings unless --force, keeping what is there', async () => {
    const root = tempDir('settings');
    const data = join(root, 'data');
    mkdirSync(join(data, 'a'), { recursive: true });
    copyFileSync(XVID, join(data, 'a/eye.avi'));
    const out = join(root, 'frames');
    await prepare({ data, out, progress: false, jobs: 1 });
    const before = snapshot(out);
    await expect(prepare({ data, out, frames: 8, progress: false })).rejects.toThrow(/other settings.*--force.*--out/);
    expect(snapshot(out)).toEqual(before);
    const s = await prepare({ data, out, frames: 8, force: true, progress: false, jobs: 1 });
    expect(s.extracted).toBe(1);
    expect(existsSync(join(out, 'a/eye/frame07.jpg'))).toBe(true);
    expect(existsSync(join(out, 'a/eye/frame08.jpg'))).toBe(false);
  });
});

describe('resume', () => {
  it('a run killed mid-way resumes to the same result as an uninterrupted run', async () => {
    const root = tempDir('resume');
    const data = join(root, 'data');
    // 14 clips: the 7 HMDB51 clips twice, under two names
    for (const cls of readdirSync(MINI).filter((c) => !c.includes('.'))) {
      mkdirSync(join(data, cls), { recursive: true });
      for (const f of readdirSync(join(MINI, cls))) {
        copyFileSync(join(MINI, cls, f), join(data, cls, f));
        copyFileSync(join(MINI, cls, f), join(data, cls, `copy_${f}`));
      }
    }
    const full = join(root, 'full');
    await prepare({ data, out: full, progress: false, jobs: 2 });

    const out = join(root, 'killed');
    const child = spawn(process.execPath, ['--import', 'tsx', 'pipeline/prepare-cli.ts', '--data', data, '--out', out, '--jobs', '1', '--no-progress'], {
      cwd: ROOT, stdio: 'ignore',
    });
    const countDone = (): number => readdirSync(data).reduce((n, c) => n + (existsSync(join(out, c))
      ? readdirSync(join(out, c)).filter((d) => existsSync(join(out, c, d, 'meta.json'))).length : 0), 0);
    await new Promise<void>((ok, fail) => {
      const t = setInterval(() => {
        if (countDone() >= 3) {
          clearInterval(t);
          child.kill('SIGKILL');
          ok();
        }
      }, 5);
      child.on('exit', () => {
        clearInterval(t);
        fail(new Error('prepare finished before it could be killed'));
      });
    });
    await new Promise((ok) => child.on('close', ok));
    const partial = countDone();
    expect(partial).toBeGreaterThanOrEqual(3);
    expect(partial).toBeLessThan(14);

    const s = await prepare({ data, out, progress: false, jobs: 2 });
    expect(s.resumed).toBe(partial);
    expect(s.extracted).toBe(14 - partial);
    expect(snapshot(out)).toEqual(snapshot(full));
    const m = JSON.parse(readFileSync(s.manifest, 'utf8'));
    expect(m.clips).toEqual(JSON.parse(readFileSync(join(full, 'manifest.json'), 'utf8')).clips);
  });
});
