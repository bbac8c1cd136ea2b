// Getting one archive into <out>/archives/: reuse the one already there, or download it from the
// first mirror that serves it. Every archive is recorded in <out>/archives/manifest.json (URL, size,
// sha256, how it was checked), so a later run knows what it has without hashing 2 GB again.
import { closeSync, existsSync, mkdirSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readJson, writeJsonAtomic } from '../manifest.js';
// The engine-free downloader shared with pretrained weights (not models/index.ts, which pulls in the engine).
import { downloadFile, hashFile, type DownloadOptions } from '../../models/weights/download.js';
import { DownloadError } from '../../models/weights/http.js';

export const ARCHIVE_MANIFEST = 'manifest.json';

export interface ArchiveRecord {
  url: string;
  bytes: number;
  sha256: string;
  /** What the bytes were checked against. */
  checked: 'sha256 given' | 'size announced by the server' | 'nothing (found on disk)';
  recorded: string;
  /** hmdb51_org.rar: the classes it holds, once listed, so a later run can see the videos are complete. */
  classes?: string[];
}

export interface ArchiveManifest {
  version: 1;
  archives: Record<string, ArchiveRecord>;
}

export function readArchiveManifest(dir: string): ArchiveManifest {
  const m = readJson<ArchiveManifest>(join(dir, ARCHIVE_MANIFEST));
  return m?.version === 1 && typeof m.archives === 'object' && m.archives !== null ? m : { version: 1, archives: {} };
}

export function recordArchive(dir: string, name: string, update: Partial<ArchiveRecord> | undefined): void {
  const m = readArchiveManifest(dir);
  if (update === undefined) delete m.archives[name];
  else m.archives[name] = { ...m.archives[name], ...update } as ArchiveRecord;
  writeJsonAtomic(join(dir, ARCHIVE_MANIFEST), m);
}

/** A download that no mirror could serve, each mirror's failure listed. */
export class FetchError extends Error {
  override readonly name = 'FetchError';
}

export interface FetchArchiveOptions extends Pick<DownloadOptions, 'attempts' | 'backoffMs' | 'stallTimeoutMs' | 'progress' | 'signal'> {
  /** Full URLs to try in order. */
  urls: string[];
  sha256?: string;
  log: (line: string) => void;
}

// A 2 GB archive from a slow academic server earns more patience than a weights file: attempts per
// mirror, the first back-off (doubled after), and how long no data may arrive.
const ARCHIVE_ATTEMPTS = 5;
const ARCHIVE_BACKOFF_MS = 2000;
const ARCHIVE_STALL_MS = 60_000;

const RAR_MAGIC = Buffer.from('Rar!\x1a\x07', 'latin1'); // RAR 4 adds \0, RAR 5 \x01\0

/** The first bytes of `path` when they are not a RAR signature; undefined when they are. */
function notRar(path: string): string | undefined {
  const fd = openSync(path, 'r');
  const head = Buffer.alloc(16);
  const n = readSync(fd, head, 0, head.length, 0);
  closeSync(fd);
  if (n >= RAR_MAGIC.length && head.subarray(0, RAR_MAGIC.length).equals(RAR_MAGIC)) return undefined;
  return JSON.stringify(head.subarray(0, n).toString('latin1'));
}

/** `<dir>/<name>`, verified and recorded; downloaded unless a recorded (or unrecorded but sound) copy is there. */
export async function fetchArchive(dir: string, name: string, options: FetchArchiveOptions): Promise<ArchiveRecord> {
  mkdirSync(dir, { recursive: true });
  const dest = join(dir, name);
  const expected = options.sha256?.toLowerCase();
  if (existsSync(dest)) {
    const known = readArchiveManifest(dir).archives[name];
    const size = statSync(dest).size;
    let record: ArchiveRecord;
    if (known && known.bytes === size && /^[0-9a-f]{64}$/.test(known.sha256)) {
      record = known;
    } else {
      options.log(`${name}: found ${dest} (${size} bytes) with no record of it; hashing it`);
      const sha256 = (await hashFile(dest)).digest('hex');
      record = { url: `file://${dest}`, bytes: size, sha256, checked: 'nothing (found on disk)', recorded: new Date().toISOString() };
      recordArchive(dir, name, record);
    }
    if (expected && record.sha256 !== expected) {
      throw new FetchError(`${dest} has sha256 ${record.sha256}, not the expected ${expected}: delete it and run again to download it afresh`);
    }
    const head = notRar(dest);
    if (head) throw new FetchError(`${dest} is not a RAR archive (it starts with ${head}): delete it and run again`);
    return record;
  }

  // A .partial continues only the download it came from (another mirror could hold other bytes),
  // so the mirror an interrupted run was using goes first.
  const partial = `${dest}.partial`;
  const partialFrom = existsSync(partial) ? readJson<{ url?: string }>(`${partial}.json`)?.url : undefined;
  const urls = partialFrom && options.urls.includes(partialFrom) ? [partialFrom, ...options.urls.filter((u) => u !== partialFrom)] : options.urls;
  const failures: string[] = [];
  for (const url of urls) {
    if (existsSync(partial) && readJson<{ url?: string }>(`${partial}.json`)?.url !== url) rmSync(partial, { force: true });
    writeJsonAtomic(`${partial}.json`, { url });
    try {
      const got = await downloadFile(url, dest, {
        attempts: options.attempts ?? ARCHIVE_ATTEMPTS, backoffMs: options.backoffMs ?? ARCHIVE_BACKOFF_MS,
        stallTimeoutMs: options.stallTimeoutMs ?? ARCHIVE_STALL_MS, progress: options.progress,
        signal: options.signal, sha256: expected, label: name,
      });
      rmSync(`${partial}.json`, { force: true });
      const head = notRar(dest);
      if (head) {
        rmSync(dest, { force: true });
        throw new DownloadError(`${url}: the file is not a RAR archive (it starts with ${head})`, url, false);
      }
      const record: ArchiveRecord = {
        url, bytes: got.bytes, sha256: got.sha256,
        checked: expected ? 'sha256 given' : 'size announced by the server',
        recorded: new Date().toISOString(),
      };
      recordArchive(dir, name, record);
      options.log(`${name}: ${got.bytes} bytes from ${url}${got.resumed ? ' (resumed)' : ''}, sha256 ${got.sha256}`);
      return record;
    } catch (error) {
      if (!existsSync(partial)) rmSync(`${partial}.json`, { force: true });
      options.signal?.throwIfAborted();
      if (!(error instanceof DownloadError)) throw error;
      failures.push(error.message);
      if (url !== urls[urls.length - 1]) options.log(`${name}: ${error.message}; trying the next mirror`);
    }
  }
  throw new FetchError(
    `could not download ${name}:\n${failures.map((f) => `  ${f}`).join('\n')}\n` +
      `Fix: check the network and run again (a partial download is resumed), pass --base-url <mirror folder holding ${name}>, ` +
      `or put the file at ${dest} yourself`,
  );
}
