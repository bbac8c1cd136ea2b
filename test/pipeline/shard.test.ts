import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeDemoVideos } from '../../pipeline/demo/make-demo.js';
import { writeManifestAtomic } from '../../pipeline/manifest.js';
import { mergeShards } from '../../pipeline/merge-shards.js';
import { prepare, type PrepareOptions } from '../../pipeline/prepare.js';
import { ownsLeftover, parseShard, shardFileName, shardOf, type ManifestPart } from '../../pipeline/shard.js';
import { ensureSplit } from '../../pipeline/split-file.js';
import { tempDir } from './helpers.js';

const quiet = { progress: false, jobs: 2, log: () => {} } satisfies Partial<PrepareOptions>;
const SPEC = { kind: 'stratified', testSize: 0.3, seed: 7 } as const;
const idsOf = (clips: Array<{ class: string; clip: string }>): string[] => clips.map((c) => `${c.class}/${c.clip}`);

/** Every file under dir (relative path → bytes). */
function files(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (rel: string): void => {
    for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else out.set(r, readFileSync(join(dir, r)).toString('base64'));
    }
  };
  walk('');
  return out;
}

const manifestOf = (out: string): Record<string, unknown> => {
  const { finished, ...rest } = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
  expect(Date.parse(finished)).toBeGreaterThan(0);
  return rest;
};

/** 9 Motion-JPEG demo clips in 3 classes (decoded without ffmpeg), a duplicate name and an empty file. */
let data: string;
/** One unsharded run over `data`, with its split: what the sharded runs must equal. */
let whole: string;
let wholeClips: string[];
beforeAll(async () => {
  const root = tempDir('shard-data');
  data = join(root, 'videos');
  await makeDemoVideos({ out: data, classes: 3, clipsPerClass: 3 });
  const [cls] = readdirSync(data).filter((c) => !c.includes('.'));
  copyFileSync(join(data, cls, `${cls}_000.avi`), join(data, cls, `${cls}_000.mkv`));
  writeFileSync(join(data, cls, 'empty.avi'), '');
  whole = join(root, 'whole');
  const s = await prepare({ data, out: whole, ...quiet });
  expect(s.clips).toHaveLength(9);
  expect(s.failed.map((f) => f.reason)).toEqual([expect.stringMatching(/same clip name/), expect.stringMatching(/empty file/)]);
  wholeClips = idsOf(s.clips);
  ensureSplit(whole, wholeClips, SPEC);
});

describe('--shard i/n and --merge-shards n', () => {
  it('3 shards one after another, merged, equal one unsharded run: clip folders, manifest, prepare.json, split.json', async () => {
    const out = join(tempDir('shard'), 'sharded');
    const parts: ManifestPart[] = [];
    for (let i = 0; i < 3; i++) {
      const p = await prepare({ data, out, ...quiet, shard: { index: i, count: 3 } });
      expect(p.manifest).toBe(join(out, `manifest.shard-${i}-of-3.json`));
      // a shard writes its clips and its part, nothing shared
      expect(readdirSync(out).filter((f) => f.endsWith('.json')).sort()).toEqual(parts.map((_, j) => shardFileName({ index: j, count: 3 })).concat(shardFileName({ index: i, count: 3 })));
      parts.push(JSON.parse(readFileSync(p.manifest, 'utf8')));
      expect(p.clips.every((c) => shardOf(`${c.class}/${c.clip}`, 3) === i)).toBe(true);
    }
    // every clip and every failure in exactly one part, no part empty for this data
    expect(parts.flatMap((p) => idsOf(p.clips)).sort()).toEqual(wholeClips);
    expect(parts.flatMap((p) => p.failed).length).toBe(2);
    expect(parts.map((p) => p.clips.length).every((n) => n > 0)).toBe(true);
    expect(new Set(parts.map((p) => p.listing.sha256)).size).toBe(1);

    const m = mergeShards({ out, count: 3, log: () => {} });
    expect(idsOf(m.clips)).toEqual(wholeClips);
    ensureSplit(out, idsOf(m.clips), SPEC);
    const shardParts = (f: string): boolean => !/^manifest/.test(f);
    const a = files(whole);
    const b = files(out);
    expect([...b.keys()].filter(shardParts)).toEqual([...a.keys()].filter(shardParts));
    for (const [k, v] of a) if (shardParts(k)) expect(b.get(k), k).toBe(v);
    expect(manifestOf(out)).toEqual(manifestOf(whole));
    expect(readFileSync(join(out, 'split.json'), 'utf8')).toBe(readFileSync(join(whole, 'split.json'), 'utf8'));
    expect(readFileSync(join(out, 'prepare.json'), 'utf8')).toBe(readFileSync(join(whole, 'prepare.json'), 'utf8'));

    // a shard run again resumes everything; a merge again gives the same manifest
    const again = await prepare({ data, out, ...quiet, shard: { index: 1, count: 3 } });
    expect(again.extracted).toBe(0);
    expect(again.resumed).toBe(parts[1].clips.length);
    mergeShards({ out, count: 3, log: () => {} });
    expect(manifestOf(out)).toEqual(manifestOf(whole));
  });

  it('shards running at the same time into one folder give the same result, and each removes only its own leftovers', async () => {
    const out = join(tempDir('shard-concurrent'), 'sharded');
    // leftovers of a stopped run: one of shard 0's clips and one of shard 1's
    const clips = readdirSync(whole).filter((c) => !c.includes('.')).flatMap((c) => readdirSync(join(whole, c)).map((d) => `${c}/${d}`));
    const of = (k: number): string => clips.find((id) => shardOf(id, 3) === k)!;
    const leftover = (id: string): string => join(out, id.split('/')[0], `.partial-${id.split('/')[1]}-4242-0-abc123`);
    for (const k of [0, 1]) mkdirSync(leftover(of(k)), { recursive: true });
    await prepare({ data, out, ...quiet, jobs: 1, shard: { index: 0, count: 3 } });
    expect(existsSync(leftover(of(0)))).toBe(false);
    expect(existsSync(leftover(of(1)))).toBe(true);

    await Promise.all([1, 2].map((index) => prepare({ data, out, ...quiet, jobs: 1, shard: { index, count: 3 } })));
    expect(existsSync(leftover(of(1)))).toBe(false);
    mergeShards({ out, count: 3, log: () => {} });
    expect(manifestOf(out)).toEqual(manifestOf(whole));
    const dirs = (d: string): string[] => readdirSync(d).flatMap((c) => (c.includes('.') ? [c] : readdirSync(join(d, c)).map((x) => `${c}/${x}`))).sort();
    expect(dirs(out).filter((f) => !f.startsWith('manifest.'))).toEqual(dirs(whole).filter((f) => f !== 'manifest.json' && f !== 'split.json'));
  });

  it('a merge names the shards that have not finished; one whose data changed, or with other settings, is refused', async () => {
    const root = tempDir('shard-refuse');
    const own = join(root, 'videos');
    cpSync(data, own, { recursive: true });
    const out = join(root, 'frames');
    await prepare({ data: own, out, ...quiet, shard: { index: 0, count: 3 } });
    expect(() => mergeShards({ out, count: 3 })).toThrow(/2 of the 3 shards have not finished.*shards 1, 2.*--shard <i>\/3.*merge again/);
    expect(() => mergeShards({ out, count: 2 })).toThrow(/shards 0, 1.*another shard count: manifest\.shard-0-of-3\.json/);

    await expect(prepare({ data: own, out, ...quiet, frames: 8, shard: { index: 1, count: 3 } })).rejects.toThrow(/other settings.*manifest\.shard-0-of-3\.json.*--force/);
    // a clip added after shard 0 ran: the shards saw different data
    const [cls] = readdirSync(own).filter((c) => !c.includes('.'));
    copyFileSync(join(own, cls, `${cls}_001.avi`), join(own, cls, 'late.avi'));
    for (const index of [1, 2]) await prepare({ data: own, out, ...quiet, shard: { index, count: 3 } });
    expect(() => mergeShards({ out, count: 3 })).toThrow(/shard 1 saw other clips than shard 0 \(11 vs 10 clips.*rerun all 3 shards/);
    expect(existsSync(join(out, 'manifest.json'))).toBe(false);
    expect(existsSync(join(out, 'prepare.json'))).toBe(false);
    await prepare({ data: own, out, ...quiet, shard: { index: 0, count: 3 } });
    expect(mergeShards({ out, count: 3, log: () => {} }).clips).toHaveLength(10);

    // a prepare.json of other settings (say, from an earlier unsharded run) needs --force at the merge too
    writeFileSync(join(out, 'prepare.json'), JSON.stringify({ version: 1, settings: { frames: 8, sampling: 'floor(linspace(0,n-1,k)) over decoded frames', jpegQuality: 95 } }));
    expect(() => mergeShards({ out, count: 3 })).toThrow(/other settings.*--force/);
    expect(mergeShards({ out, count: 3, force: true, log: () => {} }).clips).toHaveLength(10);
    expect(JSON.parse(readFileSync(join(out, 'prepare.json'), 'utf8')).settings.frames).toBe(16);
  });

  it('a shard with no clip of its own writes an empty part', async () => {
    const out = tempDir('shard-empty');
    const ids = readdirSync(data).filter((c) => !c.includes('.')).flatMap((c) => readdirSync(join(data, c)).map((f) => `${c}/${f.replace(/\.[^.]+$/, '')}`));
    const index = [...Array(1000).keys()].find((k) => ids.every((id) => shardOf(id, 1000) !== k))!;
    const s = await prepare({ data, out, ...quiet, shard: { index, count: 1000 } });
    expect(s.clips).toEqual([]);
    expect(JSON.parse(readFileSync(join(out, shardFileName({ index, count: 1000 })), 'utf8'))).toMatchObject({ clips: [], failed: [], shard: { index, count: 1000 } });
  });
});

describe('shard assignment', () => {
  it('parses i/n from 0, and says how the schedulers number their tasks', () => {
    expect(parseShard('0/8')).toEqual({ index: 0, count: 8 });
    expect(parseShard(' 7 / 8 ')).toEqual({ index: 7, count: 8 });
    expect(() => parseShard('8/8')).toThrow(/0 to 7.*JOB_COMPLETION_INDEX.*--array=0-7/);
    expect(() => parseShard('1')).toThrow(/i\/n/);
    expect(() => parseShard('0/0')).toThrow(/from 1/);
  });

  it('is sha256 of the clip id mod n (reproducible elsewhere) and spreads clips evenly', () => {
    // from python3: [int.from_bytes(hashlib.sha256(id.encode()).digest()[:6], 'big') % n for n in (3, 7, 1000)]
    expect([3, 7, 1000].map((n) => shardOf('clap/x', n))).toEqual([2, 6, 317]);
    expect([3, 7, 1000].map((n) => shardOf('brush_hair/April_09_brush_hair_u_nm_np1_ba_goo_0', n))).toEqual([1, 1, 747]);
    const counts = new Array(10).fill(0);
    for (let i = 0; i < 20_000; i++) counts[shardOf(`class${i % 51}/clip_${i}`, 10)]++;
    for (const c of counts) expect(Math.abs(c - 2000)).toBeLessThan(200);
  });

  it('manifests are written an element at a time, in JSON.stringify(value, null, 1)’s bytes', () => {
    const path = join(tempDir('manifest-write'), 'm.json');
    const record = (i: number): Record<string, unknown> => ({ clip: `c${i}\n"q"`, indices: [0, i], settings: { frames: 16, nested: { deep: [] } } });
    for (const value of [
      { version: 1, data: '/d', clips: Array.from({ length: 3000 }, (_, i) => record(i)), failed: [], skipped: undefined, shard: { index: 0, count: 2 } },
      { clips: [], failed: [{ path: 'p', reason: 'r' }] },
      {},
    ]) {
      writeManifestAtomic(path, value);
      expect(readFileSync(path, 'utf8')).toBe(JSON.stringify(value, null, 1) + '\n');
    }
    expect(readdirSync(join(path, '..'))).toEqual(['m.json']);
  });

  it('a leftover is a shard’s own only when no other shard’s clip could have made it', () => {
    const all = new Set(['a', 'a-1', 'b', 'c-d']);
    expect(ownsLeftover('a-123-0-x1y2z3', new Set(['a']), all)).toBe(true);
    expect(ownsLeftover('a-123-0-x1y2z3-old', new Set(['a']), all)).toBe(true);
    expect(ownsLeftover('c-d-9-12-zz', new Set(['c-d']), all)).toBe(true);
    expect(ownsLeftover('b-123-0-x1y2z3', new Set(['a']), all)).toBe(false);
    // 'a' with tag 1-2-3 or 'a-1' with tag 2-3-old… no: 'a-1-2-3-old' is 'a' (1-2-3, old) or 'a-1' (2-3-old)
    expect(ownsLeftover('a-1-2-3-old', new Set(['a']), all)).toBe(false);
    expect(ownsLeftover('a-1-2-3-old', new Set(['a', 'a-1']), all)).toBe(true);
    expect(ownsLeftover('gone-1-2-abc', new Set(['a']), all)).toBe(false);
  });
});
