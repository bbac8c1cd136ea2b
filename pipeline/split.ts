// Train/test splits: scikit-learn's StratifiedShuffleSplit (same allocation, same seeded shuffles), and
// HMDB51's official three splits (testTrainMulti_7030_splits).
import { existsSync, readFileSync } from 'node:fs';
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
  const counts = classes.map((c) => y.filter((v) => v === c).length);
  const tooFew = classes.filter((_, i) => counts[i] < 2);
  if (tooFew.length > 0) throw new Error(`stratified split: every class needs at least 2 clips; class index ${tooFew.join(', ')} has fewer`);
  if (nTrain < classes.length) throw new Error(`stratified split: ${nTrain} training clips cannot cover ${classes.length} classes`);
  if (nTest < classes.length) {
    throw new Error(`stratified split: test size ${testSize} of ${n} clips gives ${nTest} test clips, fewer than the ${classes.length} classes; raise --test-size or use more clips`);
  }
  // positions of each class in input order (numpy's stable argsort of the class indices)
  const classIndices = classes.map((c) => y.flatMap((v, i) => (v === c ? [i] : [])));
  const rng = new RandomState(seed);
  const nI = approximateMode(counts, nTrain, rng);
  const tI = approximateMode(counts.map((c, i) => c - nI[i]), nTest, rng);
  const train: number[] = [];
  const test: number[] = [];
  classes.forEach((_, i) => {
    const perm = rng.permutation(counts[i]).map((p) => classIndices[i][p]);
    train.push(...perm.slice(0, nI[i]));
    test.push(...perm.slice(nI[i], nI[i] + tI[i]));
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

/**
 * HMDB51's official split k (1..3) from `<dir>/<class>_test_split<k>.txt` (lines `<clip>.avi <0|1|2>`:
 * 1 train, 2 test, 0 unused), matched against the clips on disk, given as `class/clip` ids.
 */
export function officialSplit(dir: string, k: number, classes: string[], clipIds: string[]): OfficialSplit {
  if (![1, 2, 3].includes(k)) throw new Error(`official split: HMDB51 has splits 1, 2 and 3, not ${k}`);
  if (!existsSync(dir)) throw new Error(`official split: --splits-dir ${dir} does not exist (it should hold testTrainMulti_7030_splits/<class>_test_split${k}.txt)`);
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
