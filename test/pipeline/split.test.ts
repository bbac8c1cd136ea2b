import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { classesWithoutLists, findSplitLists, officialSplit, splitListsNear, stratifiedShuffleSplit } from '../../pipeline/split.js';
import { RandomState } from '../../pipeline/random.js';
import { resolveClasses } from '../../pipeline/classes.js';
import { ensureSplit, parseSplitSpec, SplitTooSmallError } from '../../pipeline/split-file.js';
import { SPLITS, tempDir } from './helpers.js';

interface Case { name: string; y: number[]; test_size: number; seed: number; train: number[]; test: number[] }
const FIXTURE = JSON.parse(readFileSync(resolve(import.meta.dirname, '../fixtures/split/stratified.json'), 'utf8')) as { cases: Case[] };

describe('RandomState', () => {
  it('draws numpy’s MT19937 stream and permutations', () => {
    // numpy 1.24: RandomState(42) raw draws, then np.random.RandomState(0).permutation(20)
    const r = new RandomState(42);
    expect([r.nextUint32(), r.nextUint32(), r.nextUint32()]).toEqual([1608637542, 3421126067, 4083286876]);
    expect(r.permutation(10)).toEqual([3, 9, 0, 8, 5, 2, 1, 6, 4, 7]);
    expect(new RandomState(0).permutation(20)).toEqual([18, 1, 19, 8, 10, 17, 6, 13, 4, 2, 5, 14, 9, 7, 16, 11, 3, 0, 15, 12]);
  });
});

describe('stratified split', () => {
  it.each(FIXTURE.cases.map((c) => [c.name, c] as const))('equals scikit-learn’s StratifiedShuffleSplit: %s', (_, c) => {
    const { train, test } = stratifiedShuffleSplit(c.y, c.test_size, c.seed);
    expect(test).toEqual(c.test);
    expect(train).toEqual(c.train);
  });

  it('keeps each class’s proportion and covers every clip once', () => {
    const y = FIXTURE.cases[0].y;
    const { train, test } = stratifiedShuffleSplit(y, 0.1, 5);
    expect(new Set([...train, ...test]).size).toBe(y.length);
    expect(test.length).toBe(Math.ceil(0.1 * y.length));
    const classes = [...new Set(y)];
    for (const c of classes) {
      const total = y.filter((v) => v === c).length;
      const inTest = test.filter((i) => y[i] === c).length;
      expect(Math.abs(inTest - 0.1 * total)).toBeLessThanOrEqual(1);
    }
  });

  it('is deterministic for a seed and changes with it', () => {
    const y = FIXTURE.cases[1].y;
    expect(stratifiedShuffleSplit(y, 0.1, 3)).toEqual(stratifiedShuffleSplit(y, 0.1, 3));
    expect(stratifiedShuffleSplit(y, 0.1, 3).test).not.toEqual(stratifiedShuffleSplit(y, 0.1, 4).test);
  });

  it('says why a split is impossible', () => {
    expect(() => stratifiedShuffleSplit([0, 0, 1], 0.5, 0)).toThrow(/at least 2 clips/);
    expect(() => stratifiedShuffleSplit([0, 0, 1, 1, 2, 2, 3, 3], 0.1, 0)).toThrow(/fewer than the 4 classes/);
  });
});

describe('official HMDB51 split', () => {
  const classes = ['brush_hair', 'wave'];
  const listed = (cls: string, k: number): Array<[string, string]> =>
    readFileSync(join(SPLITS, `${cls}_test_split${k}.txt`), 'utf8').trim().split('\n').map((l) => l.trim().split(/\s+/) as [string, string]);

  it('parses the real lists: 70 train and 30 test per class', () => {
    const ids = classes.flatMap((c) => listed(c, 1).map(([f]) => `${c}/${f.replace(/\.avi$/, '')}`));
    const s = officialSplit(SPLITS, 1, classes, ids);
    expect(s.train).toHaveLength(140);
    expect(s.test).toHaveLength(60);
    expect(s.missing).toEqual([]);
    expect(s.unlisted).toEqual([]);
    const [clip, flag] = listed('wave', 1).find(([, f]) => f === '2')!;
    expect(s.test).toContain(`wave/${clip.replace(/\.avi$/, '')}`);
    expect(flag).toBe('2');
  });

  it('reports clips in the lists but not on disk, and clips on disk in no list', () => {
    const ids = listed('brush_hair', 2).filter(([, f]) => f !== '0').slice(1).map(([f]) => `brush_hair/${f.replace(/\.avi$/, '')}`);
    ids.push('brush_hair/not_in_any_list');
    const s = officialSplit(SPLITS, 2, ['brush_hair'], ids);
    expect(s.missing).toHaveLength(1);
    expect(s.unlisted).toEqual(['brush_hair/not_in_any_list']);
    expect(s.train.length + s.test.length).toBe(99);
  });

  it('finds the lists from the folder above them, and from download:hmdb’s --out', () => {
    const root = tempDir('splits-layout');
    mkdirSync(join(root, 'dl/splits'), { recursive: true });
    symlinkSync(SPLITS, join(root, 'dl/splits/testTrainMulti_7030_splits'));
    const above = join(SPLITS, '..');
    for (const dir of [SPLITS, above, join(root, 'dl/splits'), join(root, 'dl')]) {
      expect(readdirSync(findSplitLists(dir, 2))).toContain('wave_test_split2.txt');
      expect(officialSplit(dir, 1, ['wave'], []).missing).toHaveLength(100);
    }
    expect(parseSplitSpec('official:3', { seed: 0, testSize: 0.1, splitsDir: above })).toEqual({ kind: 'official', split: 3, splitsDir: join(above, 'testTrainMulti_7030_splits') });
    expect(() => findSplitLists(root, 1)).toThrow(/no <class>_test_split1\.txt in .*splits-layout[^,]*, .*testTrainMulti_7030_splits, .*download:hmdb -- --what splits/);
    expect(() => parseSplitSpec('official:1', { seed: 0, testSize: 0.1, splitsDir: join(root, 'nope') })).toThrow(/--splits-dir .*nope does not exist/);
    expect(classesWithoutLists(SPLITS, 1, ['wave', 'red-green-blue'])).toEqual(['red-green-blue']);
    // beside a data folder: <out>/videos next to <out>/splits, or the shared hmdb51-mini next to hmdb51-splits
    mkdirSync(join(root, 'dl/videos'));
    expect(splitListsNear(join(root, 'dl/videos'), 1)).toBe(join(root, 'dl'));
    expect(splitListsNear(join(SPLITS, '../../hmdb51-mini'), 1)).toBe(above);
    expect(splitListsNear(join(root, 'dl/splits/testTrainMulti_7030_splits'), 1)).toBe(join(root, 'dl/splits'));
    mkdirSync(join(root, 'lone/videos'), { recursive: true });
    expect(splitListsNear(join(root, 'lone/videos'), 1)).toBeUndefined();
  });

  it('names the file and line of a malformed list, and a missing list', () => {
    const dir = tempDir('splits');
    writeFileSync(join(dir, 'clap_test_split1.txt'), 'a.avi 1 \nb.avi x\n');
    expect(() => officialSplit(dir, 1, ['clap'], [])).toThrow(/clap_test_split1\.txt:2: expected/);
    expect(() => officialSplit(dir, 1, ['wave'], [])).toThrow(/wave_test_split1\.txt is missing/);
    expect(() => officialSplit(dir, 4, ['clap'], [])).toThrow(/splits 1, 2 and 3/);
    expect(readdirSync(SPLITS)).toHaveLength(153);
  });
});

describe('--classes', () => {
  const all = ['wave', 'clap', 'brush_hair', 'climb', 'golf', 'punch', 'kick'];
  it('takes the first N in sorted order, or names', () => {
    expect(resolveClasses('5', all)).toEqual(['brush_hair', 'clap', 'climb', 'golf', 'kick']);
    expect(resolveClasses('wave, clap', all)).toEqual(['clap', 'wave']);
    expect(() => resolveClasses('clap,jump', all)).toThrow(/unknown classes jump/);
    expect(() => resolveClasses('9', all)).toThrow(/give 1 to 7/);
  });
});

describe('split.json', () => {
  const ids = ['a/1', 'a/2', 'a/3', 'a/4', 'b/1', 'b/2', 'b/3', 'b/4', 'b/5', 'b/6'];
  const spec = { kind: 'stratified', testSize: 0.2, seed: 1 } as const;

  it('is written once, with the class map, and reused', () => {
    const out = tempDir('splitfile');
    const first = ensureSplit(out, ids, spec);
    expect(first.reused).toBe(false);
    expect(first.split.classes).toEqual(['a', 'b']);
    expect([...first.split.train, ...first.split.test].sort()).toEqual(ids);
    const again = ensureSplit(out, [...ids].reverse(), spec);
    expect(again.reused).toBe(true);
    expect(again.split).toEqual(first.split);
  });

  it('refuses a saved split that does not match the clips or the request, naming the file and the fix', () => {
    const out = tempDir('splitfile');
    ensureSplit(out, ids, spec);
    expect(() => ensureSplit(out, [...ids, 'b/7'], spec)).toThrow(/split\.json does not match.*b\/7.*--resplit/);
    expect(() => ensureSplit(out, ids.slice(1), spec)).toThrow(/not in the frames folder.*--resplit/);
    expect(() => ensureSplit(out, ids, { ...spec, seed: 2 })).toThrow(/seed 1.*seed 2.*--resplit/);
    expect(ensureSplit(out, [...ids, 'b/7'], spec, true).reused).toBe(false);
  });

  it('a stratified split the clips cannot make throws SplitTooSmallError with the counts per class', () => {
    const out = tempDir('splitfile');
    const few = ['a/1', 'a/2', 'a/3', 'b/1', 'c/1', 'c/2'];
    let err: unknown;
    try {
      ensureSplit(out, few, spec);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SplitTooSmallError);
    const e = err as SplitTooSmallError;
    // the message train:hmdb's test also reads
    expect(e.message).toBe('stratified split: every class needs at least 2 clips, and b has fewer; add clips or leave that class out with --classes');
    expect([...e.counts]).toEqual([['a', 3], ['b', 1], ['c', 2]]);
    expect(e.tooFew).toEqual(['b']);
    // 2 clips in each of 4 classes: 10 % is 1 test clip for 4 classes
    const pairs = ['a', 'b', 'c', 'd'].flatMap((c) => [`${c}/1`, `${c}/2`]);
    expect(() => ensureSplit(out, pairs, { ...spec, testSize: 0.1 })).toThrow(SplitTooSmallError);
    expect(() => ensureSplit(out, pairs, { ...spec, testSize: 0.1 })).toThrow(/1 test clips, fewer than the 4 classes; raise --test-size/);
    expect(() => ensureSplit(out, pairs, { ...spec, testSize: 0.9 })).toThrow(/leaves 0 training clips, fewer than the 4 classes; lower --test-size/);
    expect(ensureSplit(out, pairs, { ...spec, testSize: 0.5 }).split.test).toHaveLength(4);
  });

  it('parses --split values', () => {
    expect(parseSplitSpec('official:2', { seed: 0, testSize: 0.1, splitsDir: SPLITS })).toEqual({ kind: 'official', split: 2, splitsDir: SPLITS });
    expect(() => parseSplitSpec('official:2', { seed: 0, testSize: 0.1 })).toThrow(/--splits-dir/);
    expect(() => parseSplitSpec('random', { seed: 0, testSize: 0.1 })).toThrow(/stratified/);
  });
});
