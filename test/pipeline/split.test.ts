import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { officialSplit, stratifiedShuffleSplit } from '../../pipeline/split.js';
import { RandomState } from '../../pipeline/random.js';
import { resolveClasses } from '../../pipeline/classes.js';
import { ensureSplit, parseSplitSpec } from '../../pipeline/split-file.js';
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

  it('parses --split values', () => {
    expect(parseSplitSpec('official:2', { seed: 0, testSize: 0.1, splitsDir: SPLITS })).toEqual({ kind: 'official', split: 2, splitsDir: SPLITS });
    expect(() => parseSplitSpec('official:2', { seed: 0, testSize: 0.1 })).toThrow(/--splits-dir/);
    expect(() => parseSplitSpec('random', { seed: 0, testSize: 0.1 })).toThrow(/stratified/);
  });
});
