// prepare: a folder of class subfolders of videos in, a folder of 16-frame JPEG clips out.
// Clips go to worker threads; each clip folder appears atomically, so a stopped run resumes where it was.
// With `shard`, the run takes its share of the clips and writes a manifest part instead (shard.ts).
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { extname, join, parse, relative, resolve } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { VIDEO_EXTENSIONS, type DecoderChoice } from './extract.js';
import {
  defaultSettings, describeSettings, finishedClip, MANIFEST_FILE, readJson, sameSettings, SETTINGS_FILE, sortManifest, writeJsonAtomic, writeManifestAtomic,
  type ClipRecord, type FailedClip, type Manifest, type PrepareSettings,
} from './manifest.js';
import { TEMP_PREFIX, type ClipTask } from './prepare-clip.js';
import type { WorkerReply } from './prepare-worker.js';
import { ProgressBar } from './progress.js';
import { listingOf, ownsLeftover, SHARD_RULE, shardFileName, shardOf, type ManifestPart, type Shard } from './shard.js';
import { startWorker } from './workers.js';

export interface PrepareOptions {
  data: string;
  out: string;
  frames?: number;
  jpegQuality?: number;
  /** Worker threads (default: all cores). */
  jobs?: number;
  /** Redo a folder made with other settings instead of refusing. */
  force?: boolean;
  decoder?: DecoderChoice;
  /** Only these classes (names), already resolved from --classes. */
  classes?: string[];
  /** Show the progress bar (default: true). */
  progress?: boolean;
  /** Where messages go (default: stderr). */
  log?: (line: string) => void;
  /** Aborting stops the workers; finished clips stay, the next run resumes. */
  signal?: AbortSignal;
  /**
   * Take only this shard's clips and write manifest.shard-i-of-n.json instead of manifest.json and
   * prepare.json; mergeShards joins the parts once every shard has finished.
   */
  shard?: Shard;
}

export interface PrepareSummary {
  /** Every good clip, resumed or new, sorted by class then clip. */
  clips: ClipRecord[];
  /** Clips extracted in this run. */
  extracted: number;
  /** Clips already done by an earlier run with the same settings. */
  resumed: number;
  failed: FailedClip[];
  /** Class folders that hold no video. */
  emptyClasses: string[];
  seconds: number;
  /** manifest.json, or the shard's part. */
  manifest: string;
}

/** A problem with the whole run (not one clip): the message names the path and the fix. */
export class PrepareError extends Error {}

export interface SourceClip {
  className: string;
  clip: string;
  path: string;
}

/** The class folders of `data` (sorted, hidden ones skipped) and their videos. */
export function scanVideos(data: string): { classes: string[]; clips: SourceClip[]; emptyClasses: string[]; duplicates: FailedClip[] } {
  if (!existsSync(data)) throw new PrepareError(`data folder ${data} does not exist: pass --data <folder with one subfolder of videos per class>`);
  if (!statSync(data).isDirectory()) throw new PrepareError(`${data} is not a folder: --data takes a folder with one subfolder of videos per class`);
  const classes = readdirSync(data, { withFileTypes: true })
    .filter((d) => !d.name.startsWith('.') && (d.isDirectory() || (d.isSymbolicLink() && statSync(join(data, d.name), { throwIfNoEntry: false })?.isDirectory())))
    .map((d) => d.name)
    .sort();
  if (classes.length === 0) {
    throw new PrepareError(`data folder ${data} has no class subfolders: lay it out as <data>/<class>/<clip>.avi (HMDB51's layout)`);
  }
  const clips: SourceClip[] = [];
  const emptyClasses: string[] = [];
  const duplicates: FailedClip[] = [];
  for (const className of classes) {
    const dir = join(data, className);
    const files = readdirSync(dir, { withFileTypes: true })
      .filter((f) => VIDEO_EXTENSIONS.includes(extname(f.name).toLowerCase()))
      // a symlinked clip counts when it points at a file (datasets are often linked, not copied)
      .filter((f) => f.isFile() || (f.isSymbolicLink() && existsSync(join(dir, f.name)) && statSync(join(dir, f.name)).isFile()))
      .map((f) => f.name)
      .sort();
    if (files.length === 0) emptyClasses.push(className);
    const seen = new Map<string, string>();
    for (const name of files) {
      const clip = parse(name).name;
      const first = seen.get(clip);
      if (first !== undefined) {
        duplicates.push({ path: join(dir, name), reason: `same clip name as ${first}; rename one of them` });
        continue;
      }
      seen.set(clip, name);
      clips.push({ className, clip, path: join(dir, name) });
    }
  }
  return { classes, clips, emptyClasses, duplicates };
}

/**
 * Checks the settings of the frames folder, throwing when it was made with others and force is off, and
 * records them in prepare.json unless `write` is off (a shard only reads: the merge writes prepare.json).
 * `others` are more records to compare with (the parts of shards that have finished).
 */
export function claimOutput(
  out: string, settings: PrepareSettings, force: boolean, write = true, others: Array<{ file: string; settings: PrepareSettings }> = [],
): void {
  mkdirSync(out, { recursive: true });
  const file = join(out, SETTINGS_FILE);
  const prev = readJson<{ settings: PrepareSettings }>(file);
  const records = prev?.settings ? [{ file, settings: prev.settings }, ...others] : others;
  const clash = records.find((r) => !sameSettings(r.settings, settings));
  if (clash && !force) {
    throw new PrepareError(
      `${out} holds frames made with other settings (${describeSettings(clash.settings)}; ${clash.file}), ` +
        `this run asks for ${describeSettings(settings)}: pass --force to redo them there, or choose another --out`,
    );
  }
  if (write && (!prev?.settings || !sameSettings(prev.settings, settings))) writeJsonAtomic(file, { version: 1, settings });
}

/**
 * Removes clip folders left half-made by a stopped run (only our own temporary names). A shard removes
 * only those of its own clips: the others may be another shard's work in progress.
 */
export function removeLeftovers(out: string, classes: string[], mine?: { own: Map<string, Set<string>>; all: Map<string, Set<string>> }): void {
  for (const c of classes) {
    const dir = join(out, c);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      if (!name.startsWith(TEMP_PREFIX)) continue;
      if (mine && !ownsLeftover(name.slice(TEMP_PREFIX.length), mine.own.get(c) ?? new Set(), mine.all.get(c) ?? new Set())) continue;
      rmSync(join(dir, name), { recursive: true, force: true });
    }
  }
}

/** Clip names per class, of the clips for which `keep` holds. */
function namesByClass(clips: SourceClip[], keep: (s: SourceClip) => boolean = () => true): Map<string, Set<string>> {
  const m = new Map<string, Set<string>>();
  for (const s of clips) if (keep(s)) (m.get(s.className) ?? m.set(s.className, new Set()).get(s.className)!).add(s.clip);
  return m;
}

/**
 * One part already written by another shard of the same count, for the settings check: reading one is
 * enough to stop a shard started with other settings early (the merge compares them all), and reading
 * all of them would make n shards read n² parts.
 */
function otherPart(out: string, shard: Shard): Array<{ file: string; settings: PrepareSettings }> {
  const re = new RegExp(`^manifest\\.shard-(\\d+)-of-${shard.count}\\.json$`);
  const name = (existsSync(out) ? readdirSync(out) : []).find((f) => {
    const m = re.exec(f);
    return m !== null && Number(m[1]) !== shard.index;
  });
  const part = name === undefined ? undefined : readJson<ManifestPart>(join(out, name));
  return part?.settings ? [{ file: join(out, name!), settings: part.settings }] : [];
}

export async function prepare(opts: PrepareOptions): Promise<PrepareSummary> {
  const t0 = performance.now();
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const data = resolve(opts.data);
  const out = resolve(opts.out);
  const settings = defaultSettings(opts.frames ?? 16, opts.jpegQuality ?? 95);
  const scan = scanVideos(data);
  let sources = scan.clips;
  let duplicates = scan.duplicates;
  if (opts.classes) {
    const unknown = opts.classes.filter((c) => !scan.classes.includes(c));
    if (unknown.length > 0) throw new PrepareError(`--classes names ${unknown.join(', ')}, which ${data} has no folder for (it has ${scan.classes.join(', ')})`);
    const wanted = new Set(opts.classes);
    sources = sources.filter((s) => wanted.has(s.className));
    duplicates = duplicates.filter((d) => wanted.has(duplicateId(data, d.path).split('/')[0]));
  }
  const emptyClasses = scan.emptyClasses.filter((c) => !opts.classes || opts.classes.includes(c));
  for (const c of emptyClasses) log(`warning: class folder ${join(data, c)} holds no video (${VIDEO_EXTENSIONS.join(' ')}); it is left out`);
  if (sources.length === 0) throw new PrepareError(`no videos (${VIDEO_EXTENSIONS.join(' ')}) in the class folders of ${data}`);

  const shard = opts.shard;
  const listing = shard ? listingOf(sources.map((s) => `${s.className}/${s.clip}`)) : undefined;
  const mine = (id: string): boolean => !shard || shardOf(id, shard.count) === shard.index;
  if (shard) {
    const total = sources.length;
    sources = sources.filter((s) => mine(`${s.className}/${s.clip}`));
    duplicates = duplicates.filter((d) => mine(duplicateId(data, d.path)));
    log(`shard ${shard.index}/${shard.count}: ${sources.length} of the ${total} clips are this shard's`);
  }
  claimOutput(out, settings, opts.force ?? false, !shard, shard ? otherPart(out, shard) : []);
  removeLeftovers(out, scan.classes, shard && {
    own: namesByClass(scan.clips, (s) => mine(`${s.className}/${s.clip}`)), all: namesByClass(scan.clips),
  });

  const done: ClipRecord[] = [];
  const todo: ClipTask[] = [];
  for (const s of sources) {
    const st = statSync(s.path);
    const rec = finishedClip(join(out, s.className, s.clip), settings, st);
    if (rec) done.push(rec);
    else todo.push({ path: s.path, source: relative(data, s.path), className: s.className, clip: s.clip, out, settings, decoder: opts.decoder ?? 'auto' });
  }
  const resumed = done.length;
  if (resumed > 0) log(`${out}: ${resumed} of ${sources.length} clips already done, resuming`);

  const failed: FailedClip[] = [...duplicates];
  for (const d of duplicates) log(`skipped ${d.path}: ${d.reason}`);
  const label = shard ? `prepare ${shard.index}/${shard.count}` : 'prepare';
  const bar = opts.progress === false || todo.length === 0 ? undefined : new ProgressBar(label);
  const state = { done: 0, total: todo.length, failed: 0 };
  const say = (l: string): void => (bar ? bar.log(l) : log(l));
  let missingPackage: string | undefined;
  await runPool(todo, Math.max(1, Math.min(opts.jobs ?? availableParallelism(), todo.length)), opts.signal, (task, reply) => {
    if (!reply.ok && reply.missingPackage) missingPackage ??= reply.reason;
    // a clip that failed here but stands complete now was made by a duplicate of this run (Kubernetes
    // may start two pods for one index): it is done, whoever did it
    const other = reply.ok ? undefined : finishedLater(task, settings);
    if (reply.ok) done.push(reply.record);
    else if (other) {
      done.push(other);
      say(`${task.path}: made by another process while this one failed (${reply.reason}); kept`);
    } else {
      failed.push({ path: task.path, reason: reply.reason });
      state.failed++;
      say(`skipped ${task.path}: ${reply.reason}`);
    }
    state.done++;
    bar?.update(state);
  });
  bar?.finish(state);
  if (missingPackage) throw new PrepareError(missingPackage);

  sortManifest(done, failed);
  const finished = new Date().toISOString();
  const manifest: Manifest = { version: 1, data, settings, finished, clips: done, failed };
  const manifestPath = join(out, shard ? shardFileName(shard) : MANIFEST_FILE);
  if (shard) {
    const part: ManifestPart = {
      ...manifest, shard: { ...shard, rule: SHARD_RULE }, classes: [...(opts.classes ?? scan.classes)].sort(), listing: listing!,
    };
    writeManifestAtomic(manifestPath, part);
  } else {
    writeManifestAtomic(manifestPath, manifest);
  }
  return {
    clips: done, extracted: done.length - resumed, resumed, failed, emptyClasses,
    seconds: (performance.now() - t0) / 1000, manifest: manifestPath,
  };
}

/** The clip id (`class/clip`) of a duplicate that scanVideos reported by its path. */
function duplicateId(data: string, path: string): string {
  const rel = relative(data, path).split(/[\\/]/);
  return `${rel[0]}/${parse(rel[rel.length - 1]).name}`;
}

function finishedLater(task: ClipTask, settings: PrepareSettings): ClipRecord | undefined {
  const st = statSync(task.path, { throwIfNoEntry: false });
  return st && finishedClip(join(task.out, task.className, task.clip), settings, st);
}

/**
 * Clips a worker holds at once: two, so one clip's ffmpeg decodes while the worker encodes and writes the
 * other's JPEGs (with one, a worker's thread and its ffmpeg take turns).
 */
const CLIPS_PER_WORKER = Math.max(1, Math.floor(Number(process.env.WEBGRAD_CLIPS_PER_WORKER)) || 2);

/** Runs tasks on `jobs` worker threads, CLIPS_PER_WORKER tasks per worker at a time; a crashed worker fails its tasks and is replaced. */
async function runPool(
  tasks: ClipTask[], jobs: number, signal: AbortSignal | undefined, onReply: (task: ClipTask, reply: WorkerReply) => void,
): Promise<void> {
  if (tasks.length === 0) return;
  const workers = new Set<Worker>();
  let next = 0;
  let finished = 0;
  await new Promise<void>((resolveAll, rejectAll) => {
    const stop = (): void => {
      for (const w of workers) void w.terminate();
      rejectAll(new PrepareError('interrupted: finished clips are kept, run the same command again to resume'));
    };
    if (signal?.aborted) return stop();
    signal?.addEventListener('abort', stop, { once: true });
    const spawn = (): void => {
      const w = startWorker(import.meta.url, 'prepare-worker');
      workers.add(w);
      const current = new Set<number>();
      const feed = (): void => {
        while (current.size < CLIPS_PER_WORKER && next < tasks.length) {
          const id = next++;
          current.add(id);
          w.postMessage({ id, task: tasks[id] });
        }
        if (current.size === 0) {
          workers.delete(w);
          void w.terminate();
        }
      };
      w.on('message', (reply: WorkerReply) => {
        current.delete(reply.id);
        onReply(tasks[reply.id], reply);
        if (++finished === tasks.length) {
          signal?.removeEventListener('abort', stop);
          resolveAll();
        }
        feed();
      });
      w.on('error', (e) => {
        workers.delete(w);
        for (const id of current) {
          onReply(tasks[id], { id, ok: false, reason: `worker crashed: ${e.message}`, expected: false });
          if (++finished === tasks.length) return resolveAll();
        }
        current.clear();
        spawn();
      });
      feed();
    };
    for (let i = 0; i < jobs; i++) spawn();
  });
}
