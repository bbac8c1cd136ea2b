#!/usr/bin/env node
// npm run download:hmdb -- --out <dir> [--what videos|splits|all] [options]
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { FetchError } from './download/archives.js';
import { SPLITS_FOLDER } from './download/extract.js';
import { DownloadError } from '../models/weights/http.js';
import { ArchiveError } from './download/rar.js';
import { downloadHmdb51, HMDB51_MIRRORS, SPLITS_ARCHIVE, VIDEOS_ARCHIVE, type ArchiveName } from './download/hmdb51.js';

const USAGE = `usage: npm run download:hmdb -- --out <dir> [options]

Downloads HMDB51 (${VIDEOS_ARCHIVE}, about 2.1 GB, and ${SPLITS_ARCHIVE}, the official splits)
and extracts them into <dir>/videos/<class>/<clip>.avi and <dir>/splits/${SPLITS_FOLDER}/.
The archives stay in <dir>/archives with a manifest (URL, size, sha256). Run it again after a failure
or Ctrl-C: downloads resume where they stopped, classes already extracted are skipped. Needs about
4.5 GB of free disk (archive, class archives while unpacking, videos); 2.1 GB with --delete-archives.

  --out DIR            where archives/, videos/ and splits/ go
  --what W             videos | splits | all (default all)
  --base-url URL       a folder URL holding both archives (default $WEBGRAD_HMDB51_URL, else
                       ${HMDB51_MIRRORS.join('\n                       then ')})
  --sha256 NAME=HEX    expected sha256 of an archive (${VIDEOS_ARCHIVE} or ${SPLITS_ARCHIVE}); repeatable.
                       A bare HEX is allowed with --what videos or --what splits
  --delete-archives    delete each archive once it is fully extracted (saves about 2 GB)
  --no-progress        no progress lines
  -h, --help           this text
`;

function fail(message: string): never {
  process.stderr.write(`download: ${message}\n`);
  process.exit(2);
}

/** `NAME=HEX` pairs, or one bare HEX for the single archive `what` selects. */
function parseSha256(values: string[], what: 'videos' | 'splits' | 'all'): Partial<Record<ArchiveName, string>> {
  const names: ArchiveName[] = [VIDEOS_ARCHIVE, SPLITS_ARCHIVE];
  const sha: Partial<Record<ArchiveName, string>> = {};
  for (const v of values) {
    const pair = /^([^=]+)=(.*)$/.exec(v);
    const name = pair ? pair[1] : what === 'videos' ? VIDEOS_ARCHIVE : what === 'splits' ? SPLITS_ARCHIVE : undefined;
    const hex = (pair ? pair[2] : v).toLowerCase();
    if (name === undefined) fail(`--sha256 ${v}: say which archive, as ${VIDEOS_ARCHIVE}=<hex> or ${SPLITS_ARCHIVE}=<hex> (or pass --what videos|splits)`);
    if (!names.includes(name as ArchiveName)) fail(`--sha256 ${v}: unknown archive '${name}', expected ${names.join(' or ')}`);
    if (!/^[0-9a-f]{64}$/.test(hex)) fail(`--sha256 ${v}: a sha256 is 64 hex digits, got ${hex.length} characters`);
    sha[name as ArchiveName] = hex;
  }
  return sha;
}

/** A path as a shell word. */
function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`;
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        out: { type: 'string' }, what: { type: 'string' }, 'base-url': { type: 'string' },
        sha256: { type: 'string', multiple: true }, 'delete-archives': { type: 'boolean' },
        'no-progress': { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    fail(`${(e as Error).message}\n\n${USAGE}`);
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  if (!values.out) fail(`--out is required\n\n${USAGE}`);
  const what = values.what ?? 'all';
  if (what !== 'videos' && what !== 'splits' && what !== 'all') fail(`--what must be videos, splits or all, got '${what}'`);
  const baseUrl = values['base-url'];
  if (baseUrl !== undefined) {
    let protocol = '';
    try {
      protocol = new URL(baseUrl).protocol;
    } catch {
      fail(`--base-url must be an http(s) URL of the folder holding the archives, got '${baseUrl}'`);
    }
    if (protocol !== 'http:' && protocol !== 'https:') fail(`--base-url must be an http(s) URL, got '${baseUrl}'`);
  }
  const sha256 = parseSha256(values.sha256 ?? [], what);

  const controller = new AbortController();
  const interrupt = () => controller.abort(new Error('interrupted'));
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  const out = values.out;
  const result = await downloadHmdb51({
    out, what, baseUrl, sha256, deleteArchives: values['delete-archives'] ?? false,
    progress: values['no-progress'] ? false : process.stderr, signal: controller.signal,
  });
  const frames = join(out, 'frames');
  const videos = result.videos?.dir;
  const splits = result.splits?.dir;
  const next = videos && splits
    ? `npm run prepare:hmdb -- --data ${shellWord(videos)} --out ${shellWord(frames)} --split official:1 --splits-dir ${shellWord(splits)}`
    : videos
      ? `npm run prepare:hmdb -- --data ${shellWord(videos)} --out ${shellWord(frames)}   (add --what splits for the official splits)`
      : `npm run prepare:hmdb -- --data <videos dir> --out <frames dir> --split official:1 --splits-dir ${shellWord(splits!)}`;
  process.stderr.write(`download: done. Next:\n  ${next}\n`);
}

main().catch((e) => {
  if ((e as Error)?.message === 'interrupted') {
    process.stderr.write('\ndownload: interrupted; run the same command again to resume\n');
    process.exit(130);
  }
  if (e instanceof FetchError || e instanceof ArchiveError || e instanceof DownloadError) {
    process.stderr.write(`\ndownload: ${e.message}\n`);
    process.exit(1);
  }
  throw e;
});
