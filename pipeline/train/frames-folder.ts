// The frames folder the training job reads: prepared from --data first when it is not there yet
// (prepare is resumable and refuses a folder made with other settings), or taken as given.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveClasses } from '../classes.js';
import { SETTINGS_FILE } from '../manifest.js';
import { prepare, scanVideos } from '../prepare.js';
import { ensureSplit, parseSplitSpec, SPLIT_FILE, type SplitFile } from '../split-file.js';
import type { TrainOptions } from './options.js';

/** prepare:hmdb's split seed (scikit-learn's random_state), so both commands make the same split. */
const SPLIT_SEED = 42;

/** --frames, or --data's sibling `<data>-frames`. */
export function framesDirFor(o: TrainOptions): string {
  if (o.frames) return o.frames;
  if (!o.data) throw new Error('train: pass --data <videos dir> or --frames <frames dir>');
  return `${o.data.replace(/[\\/]+$/, '')}-frames`;
}

/** Makes sure `dir` holds prepared frames and a split; returns the split. */
export async function ensureFramesFolder(o: TrainOptions, dir: string, log: (line: string) => void, signal?: AbortSignal): Promise<SplitFile> {
  if (o.data) {
    if (!existsSync(o.data)) throw new Error(`--data ${o.data} does not exist; pass the folder holding one subfolder of videos per class`);
    const classes = o.classes !== undefined ? resolveClasses(o.classes, scanVideos(o.data).classes) : undefined;
    const summary = await prepare({
      data: o.data, out: dir, frames: o.framesPerClip, classes, progress: o.progress, log, signal,
      jobs: o.workers === undefined ? undefined : Math.max(1, o.workers),
    });
    if (summary.failed.length > 0) log(`prepare: ${summary.failed.length} clips skipped (listed in ${summary.manifest})`);
    if (summary.clips.length === 0) throw new Error(`no clip in ${o.data} could be read (reasons in ${summary.manifest})`);
    const spec = parseSplitSpec(o.split, { seed: SPLIT_SEED, testSize: o.testSize, splitsDir: o.splitsDir });
    const { split, reused } = ensureSplit(dir, summary.clips.map((c) => `${c.class}/${c.clip}`), spec);
    log(`prepare: ${summary.clips.length} clips in ${dir} (${summary.extracted} extracted now, ${summary.resumed} already there); `
      + `${reused ? 'kept the' : 'wrote a'} split: ${split.train.length} train, ${split.test.length} validation clips, ${split.classes.length} classes`);
    return split;
  }
  for (const file of [SETTINGS_FILE, SPLIT_FILE]) {
    if (!existsSync(join(dir, file))) {
      throw new Error(`${join(dir, file)} not found; --frames must be a folder made by npm run prepare:hmdb (or pass --data <videos dir> to make it)`);
    }
  }
  if (o.classes !== undefined) log(`train: --classes applies when preparing from --data; ${dir} keeps the classes of its split`);
  return JSON.parse(readFileSync(join(dir, SPLIT_FILE), 'utf8')) as SplitFile;
}
