// Train/test splits: scikit-learn's StratifiedShuffleSplit (same allocation, same seeded shuffles), and
// HMDB51's official three splits (testTrainMulti_7030_splits).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { RandomState } from './random.js';

/**
 * sklearn.model_selection._split._approximate_mode: how many of `nDraws` items each class gets,
 * proportional to its count, with the leftover handed out by largest remainder (ties broken at random).
 */
export function approximateMode(classCounts: number[], nDraws: number, rng: RandomState): number[] {
  const total = classCounts.reduce((a, b) => a + b, 0);
  const continuous = classCounts.map((c) => (c / total) * nDraws);
  const floored = continuous.map(Math.floor);
  let needToAdd = Math.trunc(nDraws - floored.reduce((a, b) => a + b, 0));
  if (needToAdd > 0) {
    const remainder = continuous.map((c, i) => c - floored[i]);
    const values = [...new Set(remainder)].sort((a, b) => b - a);
    for (const value of values) {
      const inds = remainder.flatMap((r, i) => (r === value ? [i] : []));
      const addNow = Math.min(inds.length, needToAdd);
      for (const i of rng.choiceWithoutReplacement(inds, addNow)) floored[i] += 1;
      needToAdd -= addNow;
      if (needToAdd === 0) break;
    }
  }
  return floored;
}

/**
 * One split of sklearn's StratifiedShuffleSplit(n_splits=1, test_size, random_state=seed).split(X, y):
 * y holds class indices 0..C-1; returns positions into y, in scikit-learn's order.
 */
export function stratifiedShuffleSplit(y: number[], testSize: number, seed: number): { train: number[]; test: number[] } {
  const n = y.length;
  if (!(testSize > 0 && testSize < 1)) throw new Error(`stratified split: test size must be a fraction in (0, 1), got ${testSize}`);
  const nTest = Math.ceil(testSize * n);
  const nTrain = n - nTest;
  const classes = [...new Set(y)].sort((a, b) => a - b);
  // positions of each class in input order (numpy's stable argsort of the class indices), in one pass
  const slot = new Map(classes.map((c, i) => [c, i]));
  const classIndices: number[][] = classes.map(() => []);
  y.forEach((v, i) => classIndices[slot.get(v)!].push(i));
  const counts = classIndices.map((ix) => ix.length);
  const tooFew = classes.filter((_, i) => counts[i] < 2);
  if (tooFew.length > 0) throw new Error(`stratified split: every class needs at least 2 clips; class index ${tooFew.join(', ')} has fewer`);
  if (nTrain < classes.length) throw new Error(`stratified split: ${nTrain} training clips cannot cover ${classes.length} classes`);
  if (nTest < classes.length) {
    throw new Error(`stratified split: test size ${testSize} of ${n} clips gives ${nTest} test clips, fewer than the ${classes.length} classes; raise --test-size or use more clips`);
  }
  const rng = new RandomState(seed);
  const nI = approximateMode(counts, nTrain, rng);
  const tI = approximateMode(counts.map((c, i) => c - nI[i]), nTest, rng);
  const train: number[] = [];
  const test: number[] = [];
  classes.forEach((_, i) => {
    const perm = rng.permutation(counts[i]).map((p) => classIndices[i][p]);
    for (let j = 0; j < nI[i]; j++) train.push(perm[j]);
    for (let j = nI[i]; j < nI[i] + tI[i]; j++) test.push(perm[j]);
  });
  return { train: rng.permutation(train), test: rng.permutation(test) };
}

export interface OfficialSplit {
  train: string[];
  test: string[];
  /** Named in the lists (as train or test) but not among the clips given. */
  missing: string[];
  /** Among the clips given but in no list of their class. */
  unlisted: string[];
}

/** The folder inside HMDB51's test_train_splits.rar that holds the lists. */
export const SPLITS_FOLDER = 'testTrainMulti_7030_splits';

function isDir(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
}

function holdsLists(dir: string, k: number): boolean {
  return isDir(dir) && readdirSync(dir).some((f) => f.endsWith(`_test_split${k}.txt`));
}

/**
 * The folder of HMDB51's `<class>_test_split<k>.txt` lists that `dir` names: `dir` itself, or the lists
 * one or two levels down as they come out of the archive (`<dir>/testTrainMulti_7030_splits`) and out of
 * download:hmdb (`<dir>/splits/testTrainMulti_7030_splits`), so --splits-dir may name any of the three.
 */
export function findSplitLists(dir: string, k: number): string {
  if (!existsSync(dir)) throw new Error(`official split: --splits-dir ${dir} does not exist (it should hold ${SPLITS_FOLDER}/<class>_test_split${k}.txt)`);
  const tried = [dir, join(dir, SPLITS_FOLDER), join(dir, 'splits', SPLITS_FOLDER)];
  const found = tried.find((d) => holdsLists(d, k));
  if (found) return found;
  throw new Error(
    `official split: no <class>_test_split${k}.txt in ${tried.join(', ')}; pass the folder that npm run download:hmdb -- --what splits `
      + `extracted (<out>/splits/${SPLITS_FOLDER}) or the one above it`,
  );
}

/** The classes that have no list for split k in the lists folder `dir` (as found by findSplitLists). */
export function classesWithoutLists(dir: string, k: number, classes: string[]): string[] {
  return classes.filter((c) => !existsSync(join(dir, `${c}_test_split${k}.txt`)));
}

/**
 * Looks for HMDB51's lists beside a data folder (in its parent and the parent's subfolders, as download:hmdb
 * lays out `<out>/videos` next to `<out>/splits`), to suggest a --splits-dir; returns the folder to pass.
 */
export function splitListsNear(data: string, k: number): string | undefined {
  const parent = join(data, '..');
  if (!isDir(parent)) return undefined;
  const siblings = readdirSync(parent, { withFileTypes: true })
    .filter((d) => !d.name.startsWith('.') && (d.isDirectory() || d.isSymbolicLink()))
    .map((d) => join(parent, d.name))
    .sort()
    .slice(0, 200);
  for (const dir of [parent, ...siblings]) {
    try {
      findSplitLists(dir, k);
      return dir;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * HMDB51's official split k (1..3) from `<dir>/<class>_test_split<k>.txt` (lines `<clip>.avi <0|1|2>`:
 * 1 train, 2 test, 0 unused), matched against the clips on disk, given as `class/clip` ids. `dir` may also
 * be a folder above the lists (see findSplitLists).
 */
export function officialSplit(dir: string, k: number, classes: string[], clipIds: string[]): OfficialSplit {
  if (![1, 2, 3].includes(k)) throw new Error(`official split: HMDB51 has splits 1, 2 and 3, not ${k}`);
  dir = findSplitLists(dir, k);
  const onDisk = new Set(clipIds);
  const listed = new Set<string>();
  const out: OfficialSplit = { train: [], test: [], missing: [], unlisted: [] };
  for (const cls of classes) {
    const file = join(dir, `${cls}_test_split${k}.txt`);
    if (!existsSync(file)) throw new Error(`official split: ${file} is missing; --splits-dir must hold one list per class and split`);
    readFileSync(file, 'utf8').split(/\r?\n/).forEach((raw, lineNo) => {
      const line = raw.trim();
      if (!line) return;
      const m = /^(\S.*?)\s+([012])$/.exec(line);
      if (!m) throw new Error(`official split: ${file}:${lineNo + 1}: expected '<clip>.avi <0|1|2>', got '${line}'`);
      const id = `${cls}/${m[1].replace(/\.[^.]+$/, '')}`;
      listed.add(id);
      if (m[2] === '0') return;
      if (!onDisk.has(id)) out.missing.push(id);
      else (m[2] === '1' ? out.train : out.test).push(id);
    });
  }
  const wanted = new Set(classes);
  out.unlisted = clipIds.filter((id) => wanted.has(id.slice(0, id.indexOf('/'))) && !listed.has(id));
  return out;
}
