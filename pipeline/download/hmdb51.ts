// HMDB51 from its publishers into the layout prepare reads:
//   <out>/archives/hmdb51_org.rar, test_train_splits.rar, manifest.json (URL, size, sha256 of each)
//   <out>/videos/<class>/<clip>.avi                          → npm run prepare:hmdb -- --data <out>/videos
//   <out>/splits/testTrainMulti_7030_splits/<class>_test_split<k>.txt → --splits-dir
// Every step resumes: a downloaded archive is reused, a .partial download continues, an extracted
// class (or the splits folder) is skipped. Needs no engine and no native unrar.
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fetchArchive, readArchiveManifest, recordArchive, type ArchiveRecord } from './archives.js';
import { extractSplits, extractVideos, listClassArchives, SPLITS_FOLDER, type VideosResult } from './extract.js';
import type { ProgressStream } from '../../models/weights/progress.js';

export const VIDEOS_ARCHIVE = 'hmdb51_org.rar';
export const SPLITS_ARCHIVE = 'test_train_splits.rar';
export type ArchiveName = typeof VIDEOS_ARCHIVE | typeof SPLITS_ARCHIVE;

/**
 * Where the archives are served, tried in order. The first is the Serre lab's page at Brown, which
 * papers and most scripts cite; in 2026 the lab moved its site and that path was reported to 404 (or to
 * redirect to an HTML page, which is refused as not an archive). The second is the lab's own dataset
 * repository on the Hugging Face Hub (Serrelab/hmdb51), which holds the same two files.
 * WEBGRAD_HMDB51_URL or --base-url replaces the list with one folder URL (a mirror, a test server).
 */
export const HMDB51_MIRRORS: readonly string[] = [
  'http://serre-lab.clps.brown.edu/wp-content/uploads/2013/10',
  'https://huggingface.co/datasets/Serrelab/hmdb51/resolve/main',
];

/**
 * sha256 of the official archives, checked when a download ends. The publishers give none, and none
 * has been verified here yet (no network), so the table is empty: each download is checked against the
 * size the server announces, and its sha256 is recorded in <out>/archives/manifest.json. Once a
 * download is trusted, its hash belongs here (or pass --sha256 NAME=HEX).
 */
export const KNOWN_SHA256: Readonly<Partial<Record<ArchiveName, string>>> = {};

/** HMDB51's 51 classes (the names of the split lists; also the inner archives of hmdb51_org.rar). */
export const HMDB51_CLASSES: readonly string[] = [
  'brush_hair', 'cartwheel', 'catch', 'chew', 'clap', 'climb', 'climb_stairs', 'dive', 'draw_sword', 'dribble',
  'drink', 'eat', 'fall_floor', 'fencing', 'flic_flac', 'golf', 'handstand', 'hit', 'hug', 'jump', 'kick',
  'kick_ball', 'kiss', 'laugh', 'pick', 'pour', 'pullup', 'punch', 'push', 'pushup', 'ride_bike', 'ride_horse',
  'run', 'shake_hands', 'shoot_ball', 'shoot_bow', 'shoot_gun', 'sit', 'situp', 'smile', 'smoke', 'somersault',
  'stand', 'swing_baseball', 'sword', 'sword_exercise', 'talk', 'throw', 'turn', 'walk', 'wave',
];

export interface DownloadHmdb51Options {
  out: string;
  /** Default 'all'. */
  what?: 'videos' | 'splits' | 'all';
  /** A folder URL holding both archives; default $WEBGRAD_HMDB51_URL, else HMDB51_MIRRORS. */
  baseUrl?: string;
  /** Expected sha256 per archive, over KNOWN_SHA256. */
  sha256?: Partial<Record<ArchiveName, string>>;
  /** Delete each archive once everything in it is extracted (its manifest record stays). */
  deleteArchives?: boolean;
  /** Progress lines go here; false: none (default process.stderr). */
  progress?: ProgressStream | false;
  /** Messages (default: lines on stderr). */
  log?: (line: string) => void;
  signal?: AbortSignal;
  /** Download tuning, mostly for tests: attempts per mirror (5), first back-off (2000 ms), stall limit (60 s). */
  attempts?: number;
  backoffMs?: number;
  stallTimeoutMs?: number;
}

export interface Hmdb51Result {
  out: string;
  archives: Partial<Record<ArchiveName, ArchiveRecord>>;
  /** <out>/videos and what happened there (absent when not asked for). */
  videos?: { dir: string } & VideosResult;
  /** HMDB51 classes missing from the archive (a truncated or foreign hmdb51_org.rar). */
  missingClasses?: string[];
  splits?: { dir: string; files?: number };
}

/** The URLs of `name`: under `baseUrl` when given, else at each default mirror. */
export function archiveUrls(name: ArchiveName, baseUrl?: string): string[] {
  const bases = baseUrl ? [baseUrl] : HMDB51_MIRRORS;
  return bases.map((b) => `${b.replace(/\/+$/, '')}/${name}`);
}

export async function downloadHmdb51(options: DownloadHmdb51Options): Promise<Hmdb51Result> {
  const what = options.what ?? 'all';
  const out = options.out;
  const archivesDir = join(out, 'archives');
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const progress = options.progress === false ? undefined : options.progress ?? process.stderr;
  const baseUrl = options.baseUrl ?? (process.env.WEBGRAD_HMDB51_URL || undefined);
  const ctx = { progress, log, signal: options.signal };
  const fetchOne = (name: ArchiveName) => fetchArchive(archivesDir, name, {
    urls: archiveUrls(name, baseUrl), sha256: options.sha256?.[name] ?? KNOWN_SHA256[name], log,
    progress: progress ?? false, signal: options.signal,
    attempts: options.attempts, backoffMs: options.backoffMs, stallTimeoutMs: options.stallTimeoutMs,
  });
  const result: Hmdb51Result = { out, archives: {} };

  if (what !== 'videos') {
    const dir = join(out, 'splits', SPLITS_FOLDER);
    if (existsSync(dir)) {
      log(`splits: already extracted in ${dir}`);
      result.splits = { dir };
    } else {
      const record = await fetchOne(SPLITS_ARCHIVE);
      result.archives[SPLITS_ARCHIVE] = record;
      result.splits = await extractSplits(join(archivesDir, SPLITS_ARCHIVE), join(out, 'splits'), ctx);
      log(`splits: ${result.splits.files} lists in ${result.splits.dir}`);
    }
    if (options.deleteArchives) rmSync(join(archivesDir, SPLITS_ARCHIVE), { force: true });
  }

  if (what !== 'splits') {
    const videos = join(out, 'videos');
    const outer = join(archivesDir, VIDEOS_ARCHIVE);
    // Once every class the archive holds is extracted, the archive is not needed (it may be deleted).
    const listed = readArchiveManifest(archivesDir).archives[VIDEOS_ARCHIVE]?.classes;
    if (listed && listed.length > 0 && listed.every((c) => existsSync(join(videos, c)))) {
      log(`videos: all ${listed.length} classes already extracted in ${videos}`);
      result.videos = { dir: videos, classes: listed, extracted: [], skipped: listed, clips: 0 };
    } else {
      result.archives[VIDEOS_ARCHIVE] = await fetchOne(VIDEOS_ARCHIVE);
      const classes = [...(await listClassArchives(outer)).keys()];
      recordArchive(archivesDir, VIDEOS_ARCHIVE, { classes });
      result.videos = { dir: videos, ...(await extractVideos(outer, videos, join(archivesDir, '.class-archives'), ctx)) };
      const { extracted, clips } = result.videos;
      log(`videos: ${extracted.length} classes (${clips} clips) extracted into ${videos}`);
    }
    const missing = HMDB51_CLASSES.filter((c) => !result.videos!.classes.includes(c));
    if (missing.length > 0) {
      result.missingClasses = missing;
      log(`warning: ${VIDEOS_ARCHIVE} has no archive for ${missing.length} of HMDB51's 51 classes (${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}): ` +
        `it may be truncated; delete ${outer} and the folder ${videos}, then run again`);
    }
    if (options.deleteArchives) rmSync(outer, { force: true });
  }
  return result;
}
