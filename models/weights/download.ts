// Downloading one file, shared by pretrained weights (resolve.ts) and HMDB51's archives
// (pipeline/download/archives.ts); engine-free, so pipeline/'s data half may import it. The body
// streams into `<dest>.partial` while it is hashed, is checked (length against what the server
// announced, then the expected size and sha256 or its prefix), and only then renamed to `dest`. A
// reader therefore sees no file or the complete verified one; an interrupted download leaves only
// the .partial, which the next attempt (or the next run) continues with an HTTP Range request.

import { createHash, type Hash } from 'node:crypto';
import { closeSync, createReadStream, fstatSync, fsyncSync, ftruncateSync, openSync, rmSync, writeSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { basename } from 'node:path';
import { ChecksumError, DownloadError, get, networkError } from './http.js';
import { DownloadProgress, type ProgressStream } from './progress.js';

export interface DownloadOptions {
  /** Expected sha256: 64 hex digits, or a prefix (torchvision's 8 in the file name). */
  sha256?: string;
  /** Expected size in bytes; when unknown, the size the server announces is checked instead. */
  bytes?: number;
  /** Attempts in all, the first included (default 3). */
  attempts?: number;
  /** Wait before the first retry, doubled for each further one (default 1000 ms). */
  backoffMs?: number;
  maxRedirects?: number;
  /** Give up an attempt when no data arrived for this long (default 30 s). */
  stallTimeoutMs?: number;
  /** true (default): a progress line on stderr; false: silent; or a stream to draw on. */
  progress?: boolean | ProgressStream;
  /** The progress line's label (default the file name). */
  label?: string;
  signal?: AbortSignal;
}

export interface Downloaded {
  bytes: number;
  sha256: string;
  /** This call continued a .partial file left by an earlier attempt or run. */
  resumed: boolean;
}

/** Downloads `url` to `dest` (whose folder must exist), retrying failed attempts with back-off. */
export async function downloadFile(url: string, dest: string, options: DownloadOptions = {}): Promise<Downloaded> {
  const attempts = Math.max(1, Math.floor(options.attempts ?? 3));
  const backoffMs = options.backoffMs ?? 1000;
  const partial = `${dest}.partial`;
  const stream = options.progress === false ? undefined : options.progress === true || options.progress === undefined ? process.stderr : options.progress;
  const label = options.label ?? basename(dest);
  let resumedOnce = false;
  for (let attempt = 1; ; attempt++) {
    const progress = stream && new DownloadProgress(label, options.bytes, stream);
    try {
      const got = await transfer(url, partial, options, progress);
      resumedOnce ||= got.resumed;
      await verify(got, url, partial, options);
      await rename(partial, dest);
      return { ...got, resumed: resumedOnce };
    } catch (error) {
      options.signal?.throwIfAborted();
      if (!(error instanceof DownloadError) || !error.retryable) throw error;
      if (attempt >= attempts) {
        throw new DownloadError(`${error.message} (gave up after ${attempts} attempt${attempts === 1 ? '' : 's'})`, url, false, { ...error.details, cause: error });
      }
      const wait = backoffMs * 2 ** (attempt - 1);
      progress?.log(`${label}: ${error.message}; retrying in ${(wait / 1000).toFixed(1)} s (attempt ${attempt + 1} of ${attempts})`);
      await sleep(wait, options.signal);
    }
  }
}

/** sha256 given in full or as a prefix, compared as torchvision's check_hash does. */
export function hashMatches(actual: string, expected: string): boolean {
  return actual.startsWith(expected.toLowerCase());
}

/** The sha256 of a file on disk (or `hash` updated with its bytes). */
export async function hashFile(path: string, hash: Hash = createHash('sha256')): Promise<Hash> {
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash;
}

/**
 * One attempt: GET (asking to continue the .partial when there is one) and stream the body to
 * disk. Once the response arrives the body is read without pause and written synchronously:
 * fetch drops chunks still queued in the stream when the connection fails, and those would be
 * bytes the next attempt has to fetch again.
 */
async function transfer(url: string, partial: string, options: DownloadOptions, progress: DownloadProgress | undefined): Promise<Downloaded> {
  const stall = new AbortController();
  const forwardAbort = () => stall.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', forwardAbort, { once: true });
  const stallMs = options.stallTimeoutMs ?? 30_000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const armStallTimer = () => {
    clearTimeout(timer);
    timer = setTimeout(() => stall.abort(new DownloadError(`${url}: no data for ${stallMs / 1000} s`, url, true)), stallMs);
  };
  const maxRedirects = options.maxRedirects ?? 10;
  const fd = openSync(partial, 'a');
  let kept = false;
  try {
    const have = fstatSync(fd).size;
    // Hashed before asking, so nothing stands between the response and reading its body.
    let hash = createHash('sha256');
    if (have > 0) await hashFile(partial, hash);
    armStallTimer();
    let response = await get(url, { rangeFrom: have, maxRedirects, signal: stall.signal });
    // A 200 to a Range request is the whole file (the server ignores ranges): start over.
    let offset = response.status === 206 ? rangeStart(response) : 0;
    if (response.status === 416 || (response.status === 206 && offset !== have)) {
      // The server will not continue our partial file (it is longer than the file, or the range is off).
      await response.body?.cancel().catch(() => undefined);
      response = await get(url, { maxRedirects, signal: stall.signal });
      offset = 0;
    }
    const type = response.headers.get('content-type') ?? '';
    if (/^text\/html\b/i.test(type)) {
      // A download page that moved answers with a web page: no retry will make it the file.
      await response.body?.cancel().catch(() => undefined);
      throw new DownloadError(`${url}: the server sent an HTML page (${type}), not the file: the download has moved or been removed`, url, false, { status: response.status });
    }
    if (offset === 0 && have > 0) {
      ftruncateSync(fd, 0);
      hash = createHash('sha256');
    }
    const total = announcedSize(response, offset);
    if (total !== undefined && options.bytes !== undefined && total !== options.bytes) {
      // Not the expected file, known before fetching it; what the .partial holds belongs to it too.
      await response.body?.cancel().catch(() => undefined);
      ftruncateSync(fd, 0);
      throw new DownloadError(`${url}: size mismatch, the download has ${total} bytes instead of ${options.bytes} (as the server announces)`, url, false, { status: response.status });
    }
    progress?.begin(offset, total);
    const reader = response.body?.getReader();

    let done = offset;
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array> | undefined;
      try {
        chunk = await reader?.read();
      } catch (error) {
        if (options.signal?.aborted) throw options.signal.reason;
        if (stall.signal.aborted) throw stall.signal.reason;
        throw networkError(error, url, `connection lost after ${done} of ${total ?? '?'} bytes`);
      }
      if (!chunk || chunk.done) break;
      armStallTimer();
      for (let written = 0; written < chunk.value.length;) {
        written += writeSync(fd, chunk.value, written, chunk.value.length - written);
      }
      hash.update(chunk.value);
      done += chunk.value.length;
      progress?.update(done);
    }
    fsyncSync(fd);
    progress?.finish(done);
    const expected = total ?? options.bytes;
    if (expected !== undefined && done < expected) {
      throw new DownloadError(`${url}: truncated download, ${done} of ${expected} bytes`, url, true);
    }
    kept = true;
    return { bytes: done, sha256: hash.digest('hex'), resumed: offset > 0 };
  } finally {
    // A failed attempt that got no bytes (a 404, a refused connection) leaves no empty .partial.
    const empty = !kept && fstatSync(fd).size === 0;
    closeSync(fd);
    if (empty) rmSync(partial, { force: true });
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', forwardAbort);
  }
}

/** Size and hash against the expectation; a mismatch deletes the partial file. */
async function verify(got: Downloaded, url: string, partial: string, options: DownloadOptions): Promise<void> {
  const sizeOk = options.bytes === undefined || got.bytes === options.bytes;
  const hashOk = options.sha256 === undefined || hashMatches(got.sha256, options.sha256);
  if (sizeOk && hashOk) return;
  await rm(partial, { force: true });
  const what = hashOk
    ? `size mismatch, the download has ${got.bytes} bytes instead of ${options.bytes}`
    : `checksum mismatch, expected sha256 ${options.sha256} but the download has ${got.sha256}` +
      (sizeOk ? '' : ` (${got.bytes} bytes instead of ${options.bytes})`);
  // A resumed file may have been glued onto a stale partial: worth one more try from scratch.
  const retry = got.resumed ? '; it continued an earlier partial download, so it is retried from scratch' : '';
  throw new ChecksumError(`${url}: ${what}${retry}`, url, options.sha256 ?? '', got.sha256, got.resumed);
}

/** The whole file's size: a 206's Content-Range total, else offset + Content-Length. */
function announcedSize(response: Response, offset: number): number | undefined {
  const range = /\/(\d+)\s*$/.exec(response.headers.get('content-range') ?? '');
  if (response.status === 206 && range) return Number(range[1]);
  const length = response.headers.get('content-length');
  return length !== null && /^\d+$/.test(length.trim()) ? offset + Number(length) : undefined;
}

/** Where a 206's Content-Range says the body starts (-1 when absent or unreadable). */
function rangeStart(response: Response): number {
  const match = /^bytes (\d+)-/.exec(response.headers.get('content-range') ?? '');
  return match ? Number(match[1]) : -1;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
