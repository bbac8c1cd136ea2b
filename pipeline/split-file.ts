// The split a frames folder is trained and evaluated with: <out>/split.json, made once and then reused,
// so every later run (training, evaluation) sees the same clips on the same side. It also holds the
// class map (index = position in the sorted class list).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readJson, writeJsonAtomic } from './manifest.js';
import { findSplitLists, officialSplit, stratifiedShuffleSplit } from './split.js';

export const SPLIT_FILE = 'split.json';

export type SplitSpec = { kind: 'stratified'; testSize: number; seed: number } | { kind: 'official'; split: number; splitsDir: string };

export interface SplitFile {
  version: 1;
  spec: SplitSpec;
  /** Sorted class names; a clip's label is its class's position here. */
  classes: string[];
  /** Clip ids `class/clip`. */
  train: string[];
  test: string[];
  /** Official splits only: listed clips absent from the frames folder, and clips in no list. */
  missing?: string[];
  unlisted?: string[];
}

/**
 * Parses `stratified` or `official:1|2|3`; for the official split, `splitsDir` becomes the folder that
 * holds the lists (it may name the folder above them, see findSplitLists), so a wrong one fails now.
 */
export function parseSplitSpec(value: string, opts: { seed: number; testSize: number; splitsDir?: string }): SplitSpec {
  if (value === 'stratified') return { kind: 'stratified', testSize: opts.testSize, seed: opts.seed };
  const m = /^official:([123])$/.exec(value);
  if (!m) throw new Error(`--split must be 'stratified' or 'official:1', 'official:2', 'official:3', got '${value}'`);
  if (!opts.splitsDir) throw new Error(`--split ${value} needs --splits-dir <folder with HMDB51's <class>_test_split${m[1]}.txt lists>`);
  const split = Number(m[1]);
  return { kind: 'official', split, splitsDir: findSplitLists(opts.splitsDir, split) };
}

/**
 * The stratified split cannot be made from these clips: a class has fewer than 2, or the test or
 * train side would get fewer clips than there are classes. Carries the counts, so a caller can say
 * which fix applies (--classes with the classes that have enough, another --test-size, the official split).
 */
export class SplitTooSmallError extends Error {
  constructor(
    message: string,
    /** Clips per class, in sorted class order. */
    readonly counts: ReadonlyMap<string, number>,
    /** Classes with fewer than 2 clips. */
    readonly tooFew: string[],
    readonly testSize: number,
  ) {
    super(message);
  }
}

/** Throws SplitTooSmallError when StratifiedShuffleSplit(test_size) cannot split clips of these counts. */
function checkStratified(counts: Map<string, number>, testSize: number): void {
  const tooFew = [...counts].filter(([, n]) => n < 2).map(([c]) => c);
  const n = [...counts.values()].reduce((a, b) => a + b, 0);
  const nTest = Math.ceil(testSize * n);
  let message: string | undefined;
  if (tooFew.length > 0) {
    message = `stratified split: every class needs at least 2 clips, and ${tooFew.join(', ')} ${tooFew.length > 1 ? 'have' : 'has'} fewer; add clips or leave ${tooFew.length > 1 ? 'those classes' : 'that class'} out with --classes`;
  } else if (nTest < counts.size) {
    message = `stratified split: test size ${testSize} of ${n} clips gives ${nTest} test clips, fewer than the ${counts.size} classes; raise --test-size or use more clips`;
  } else if (n - nTest < counts.size) {
    message = `stratified split: test size ${testSize} of ${n} clips leaves ${n - nTest} training clips, fewer than the ${counts.size} classes; lower --test-size or use more clips`;
  }
  if (message) throw new SplitTooSmallError(message, counts, tooFew, testSize);
}

function sameSpec(a: SplitSpec, b: SplitSpec): boolean {
  if (a.kind === 'stratified' && b.kind === 'stratified') return a.seed === b.seed && a.testSize === b.testSize;
  return a.kind === 'official' && b.kind === 'official' && a.split === b.split;
}

/** Makes the split of `clipIds` (`class/clip`), or checks and returns the one already in `out`. */
export function ensureSplit(out: string, clipIds: string[], spec: SplitSpec, resplit = false): { split: SplitFile; reused: boolean } {
  const file = join(out, SPLIT_FILE);
  const ids = [...clipIds].sort();
  const classes = [...new Set(ids.map((id) => id.slice(0, id.indexOf('/'))))].sort();
  const prev = existsSync(file) ? readJson<SplitFile>(file) : undefined;
  if (existsSync(file) && !prev) {
    if (!resplit) throw new Error(`${file} is not a readable split file: delete it or pass --resplit to make a new one`);
  }
  if (prev && !resplit) {
    if (!sameSpec(prev.spec, spec)) {
      throw new Error(`${file} holds a ${describe(prev.spec)} split, this run asks for ${describe(spec)}: pass --resplit to replace it, or use another --out`);
    }
    if (prev.classes.join(',') !== classes.join(',')) {
      throw new Error(`${file} was made for the classes ${prev.classes.join(', ')}, this run has ${classes.join(', ')}: pass --resplit to replace it, or use another --out`);
    }
    const inSplit = new Set([...prev.train, ...prev.test, ...(prev.unlisted ?? [])]);
    const notInSplit = ids.filter((id) => !inSplit.has(id));
    const onDisk = new Set(ids);
    const gone = [...prev.train, ...prev.test].filter((id) => !onDisk.has(id));
    if (notInSplit.length > 0 || gone.length > 0) {
      const parts = [
        notInSplit.length ? `${notInSplit.length} clips are in no side of it (e.g. ${notInSplit[0]})` : '',
        gone.length ? `${gone.length} of its clips are not in the frames folder (e.g. ${gone[0]})` : '',
      ].filter(Boolean);
      throw new Error(`${file} does not match the clips in ${out}: ${parts.join('; ')}. Pass --resplit to make a new split`);
    }
    return { split: prev, reused: true };
  }
  let split: SplitFile;
  if (spec.kind === 'stratified') {
    // one pass each, not a scan of the class list per clip: Kinetics has 700 classes and 650k clips
    const label = new Map(classes.map((c, i) => [c, i]));
    const y = ids.map((id) => label.get(id.slice(0, id.indexOf('/')))!);
    const counts = new Map(classes.map((c) => [c, 0]));
    for (const v of y) counts.set(classes[v], counts.get(classes[v])! + 1);
    checkStratified(counts, spec.testSize);
    const { train, test } = stratifiedShuffleSplit(y, spec.testSize, spec.seed);
    split = { version: 1, spec, classes, train: train.map((i) => ids[i]), test: test.map((i) => ids[i]) };
  } else {
    const s = officialSplit(spec.splitsDir, spec.split, classes, ids);
    split = { version: 1, spec, classes, train: s.train, test: s.test, missing: s.missing, unlisted: s.unlisted };
  }
  writeJsonAtomic(file, split);
  return { split, reused: false };
}

function describe(s: SplitSpec): string {
  return s.kind === 'stratified' ? `stratified (test size ${s.testSize}, seed ${s.seed})` : `official:${s.split}`;
}
