// HMDB51's archives into the folders prepare reads:
//   hmdb51_org.rar (one <class>.rar per class) → <videos>/<class>/<clip>.avi
//   test_train_splits.rar                      → <splits>/testTrainMulti_7030_splits/<class>_test_split<k>.txt
// A class is extracted into <videos>/.partial-<class> and renamed to <class> only when whole, so a
// folder named after a class is a finished one: a killed run leaves only .partial-* leftovers (hidden
// from prepare, deleted by the next run), and the next run skips the classes already there.
// Members are written flat into their folder (prepare reads <class>/<clip>.avi, one level deep), which
// also keeps a member's name from reaching outside it.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { bar as fillBar, StatusLine, type ProgressStream } from '../../models/weights/progress.js';
import { ArchiveError, extractRar, listRar, type RarMember } from './rar.js';

export const SPLITS_FOLDER = 'testTrainMulti_7030_splits';

export interface ExtractContext {
  progress?: ProgressStream;
  log: (line: string) => void;
  signal?: AbortSignal;
}

export interface VideosResult {
  /** Every class the archive holds, sorted. */
  classes: string[];
  /** Classes extracted by this run, and those found already extracted. */
  extracted: string[];
  skipped: string[];
  /** Clips written by this run. */
  clips: number;
}

/** `label [####....] 12/51 classes  brush_hair` while extracting, on the downloads' status line. */
class CountProgress {
  private readonly status: StatusLine;

  constructor(private readonly label: string, private readonly total: number, private readonly unit: string, stream: ProgressStream) {
    this.status = new StatusLine(stream);
  }

  line(done: number, current?: string): string {
    return `${this.label}${fillBar(done, this.total)} ${done}/${this.total} ${this.unit}${current ? `  ${current}` : ''}`;
  }

  update(done: number, current?: string): void {
    this.status.update(this.line(done, current));
  }

  log(message: string): void {
    this.status.log(message);
  }

  finish(done: number): void {
    this.status.finish(this.line(done));
  }
}

/** The fix that goes with an unreadable archive: the damaged file is what must go. */
function withFix(error: unknown, outer: string, inner?: string): unknown {
  if (!(error instanceof ArchiveError) || !error.damaged) return error;
  const from = inner ? ` (${basename(inner)} was taken from ${outer})` : '';
  return new ArchiveError(`${error.message}${from}: delete ${outer} and run again to download it afresh`, error.archive, error.reason, true);
}

/** Archive name → flat file name in the target folder, for the files `keep` selects; duplicates are refused. */
function flatTargets(archive: string, members: RarMember[], keep: (m: RarMember) => boolean): Map<string, string> {
  const targets = new Map<string, string>();
  const seen = new Map<string, string>();
  for (const m of members) {
    if (m.directory || !keep(m)) continue;
    const flat = basename(m.name.replaceAll('\\', '/'));
    if (flat === '' || flat.startsWith('.')) continue;
    const first = seen.get(flat);
    if (first !== undefined) throw new ArchiveError(`${archive} holds two files named ${flat} (${first} and ${m.name}); extract it by hand`, archive, 'DUPLICATE', false);
    seen.set(flat, m.name);
    targets.set(m.name, flat);
  }
  return targets;
}

function removePartials(dir: string): void {
  for (const d of readdirSync(dir)) if (d.startsWith('.partial-')) rmSync(join(dir, d), { recursive: true, force: true });
}

/** The classes `hmdb51_org.rar` holds: its members `<class>.rar`, by archive name. */
export async function listClassArchives(outer: string): Promise<Map<string, string>> {
  let members: RarMember[];
  try {
    members = await listRar(outer);
  } catch (error) {
    throw withFix(error, outer);
  }
  const byClass = new Map<string, string>();
  for (const m of members) {
    if (m.directory || !/\.rar$/i.test(m.name)) continue;
    const cls = basename(m.name.replaceAll('\\', '/')).replace(/\.rar$/i, '');
    if (cls === '' || cls.startsWith('.') || byClass.has(cls)) continue;
    byClass.set(cls, m.name);
  }
  if (byClass.size === 0) {
    throw new ArchiveError(`${outer} holds no <class>.rar archives (it has ${members.length} members), so it is not HMDB51's hmdb51_org.rar: delete it and run again`, outer, 'NO_CLASSES', true);
  }
  return new Map([...byClass].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * Extracts every class of `outer` not yet in `videos`: the pending <class>.rar members go to
 * `scratch` in one pass over the outer archive (one pass whether or not it is solid), then each
 * is extracted into its class folder and deleted.
 */
export async function extractVideos(outer: string, videos: string, scratch: string, ctx: ExtractContext): Promise<VideosResult> {
  mkdirSync(videos, { recursive: true });
  removePartials(videos);
  const byClass = await listClassArchives(outer);
  const classes = [...byClass.keys()];
  const skipped = classes.filter((c) => existsSync(join(videos, c)));
  const pending = classes.filter((c) => !skipped.includes(c));
  if (skipped.length > 0) ctx.log(`videos: ${skipped.length} of ${classes.length} classes already extracted in ${videos}${pending.length ? ', resuming' : ''}`);
  if (pending.length === 0) return { classes, extracted: [], skipped, clips: 0 };

  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  const unpack = ctx.progress && new CountProgress(`${basename(outer)}: unpacking class archives`, pending.length, 'classes', ctx.progress);
  let unpacked = 0;
  try {
    await extractRar(outer, scratch, new Map(pending.map((c) => [byClass.get(c)!, `${c}.rar`])), {
      signal: ctx.signal,
      onMember: (name) => unpack?.update(++unpacked, basename(name)),
    });
  } catch (error) {
    throw withFix(error, outer);
  }
  unpack?.finish(unpacked);

  const bar = ctx.progress && new CountProgress('videos: extracting', pending.length, 'classes', ctx.progress);
  let clips = 0;
  const extracted: string[] = [];
  for (const cls of pending) {
    ctx.signal?.throwIfAborted();
    const inner = join(scratch, `${cls}.rar`);
    if (!existsSync(inner)) throw new ArchiveError(`${outer}: ${byClass.get(cls)} was listed but not extracted: delete ${outer} and run again`, outer, 'MISSING', true);
    const partial = join(videos, `.partial-${cls}`);
    mkdirSync(partial);
    let written: string[];
    try {
      const targets = flatTargets(inner, await listRar(inner), () => true);
      written = await extractRar(inner, partial, targets, { signal: ctx.signal });
    } catch (error) {
      throw withFix(error, outer, inner);
    }
    if (written.length === 0) (bar ?? ctx).log(`warning: ${byClass.get(cls)} in ${outer} holds no files; ${cls} stays empty`);
    renameSync(partial, join(videos, cls));
    rmSync(inner, { force: true });
    clips += written.length;
    extracted.push(cls);
    bar?.update(extracted.length, `${cls} (${written.length} clip${written.length === 1 ? '' : 's'})`);
  }
  bar?.finish(extracted.length);
  rmSync(scratch, { recursive: true, force: true });
  return { classes, extracted, skipped, clips };
}

/** Extracts the split lists into `<splits>/testTrainMulti_7030_splits` unless that folder is there. Returns its path and file count (undefined when skipped). */
export async function extractSplits(archive: string, splits: string, ctx: ExtractContext): Promise<{ dir: string; files?: number }> {
  const dir = join(splits, SPLITS_FOLDER);
  if (existsSync(dir)) {
    ctx.log(`splits: already extracted in ${dir}`);
    return { dir };
  }
  mkdirSync(splits, { recursive: true });
  removePartials(splits);
  const partial = join(splits, `.partial-${SPLITS_FOLDER}`);
  let written: string[];
  try {
    const targets = flatTargets(archive, await listRar(archive), (m) => /\.txt$/i.test(m.name));
    if (targets.size === 0) throw new ArchiveError(`${archive} holds no .txt split lists, so it is not HMDB51's test_train_splits.rar`, archive, 'NO_SPLITS', true);
    mkdirSync(partial);
    written = await extractRar(archive, partial, targets, { signal: ctx.signal });
  } catch (error) {
    throw withFix(error, archive);
  }
  renameSync(partial, dir);
  return { dir, files: written.length };
}
