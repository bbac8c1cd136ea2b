// From `weights: 'IMAGENET1K_V1'` (or a path) to a file on disk: a local path as given, else the
// cached file (webgrad's cache, then torch.hub's), else a download into webgrad's cache.

import { WeightsUnavailableError } from './unavailable.js';
import { mkdir, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { extname, join, resolve } from 'node:path';
import { offlineFromEnv, webgradWeightsDir, weightsCacheDirs } from './cache.js';
import { downloadFile } from './download.js';
import { DownloadError } from './http.js';
import { weightFileExtensions } from './load.js';
import type { ProgressStream } from './progress.js';
import { DEFAULT_WEIGHTS, findWeights, getWeights, type WeightsEntry } from './registry.js';

export interface ResolveWeightsOptions {
  /** Download when not cached (default true; WEBGRAD_OFFLINE=1 turns downloads off regardless). */
  download?: boolean;
  /** true (default): a progress bar on stderr; false: silent; or a stream to draw on. */
  progress?: boolean | ProgressStream;
  /** Download attempts in all (default 3). */
  attempts?: number;
  /** Wait before the first retry, doubled after (default 1000 ms). */
  backoffMs?: number;
  signal?: AbortSignal;
}

// Two models built at once in one process share one download instead of racing on one .partial.
const inFlight = new Map<string, Promise<void>>();

/** The path of the weight file for `arch`: `weights` is a registered name or a local file path. */
export async function resolveWeights(arch: string, weights: string, options: ResolveWeightsOptions = {}): Promise<string> {
  if (!findWeights(arch, weights) && looksLikePath(weights)) return localFile(arch, weights);
  const known = getWeights(arch, weights); // an unknown name throws, listing the known ones
  const cached = await findCached(known);
  if (cached) return cached;

  const dest = join(webgradWeightsDir(), known.fileName);
  const expectedPaths = weightsCacheDirs().map((dir) => join(dir, known.fileName));
  const unavailable = (reason: string, cause?: unknown) =>
    new WeightsUnavailableError(unavailableMessage(known, weights, reason, expectedPaths), known.arch, known.name, known.url, expectedPaths, cause);
  if (offlineFromEnv()) throw unavailable(`downloads are off (WEBGRAD_OFFLINE=${process.env.WEBGRAD_OFFLINE})`);
  if (options.download === false) throw unavailable('downloads are off (download: false)');

  try {
    let pending = inFlight.get(dest);
    if (!pending) {
      pending = download(known, dest, options).finally(() => inFlight.delete(dest));
      inFlight.set(dest, pending);
    }
    await pending;
  } catch (error) {
    if (options.signal?.aborted) throw error;
    const message = error instanceof Error ? error.message : String(error);
    // DownloadError messages start with the URL, which the paragraph names already.
    const reason = error instanceof DownloadError && message.startsWith(`${known.url}: `) ? message.slice(known.url.length + 2) : message;
    throw unavailable(reason, error);
  }
  return dest;
}

async function download(entry: WeightsEntry, dest: string, options: ResolveWeightsOptions): Promise<void> {
  await mkdir(webgradWeightsDir(), { recursive: true });
  await downloadFile(entry.url, dest, {
    sha256: entry.sha256,
    bytes: entry.bytes,
    attempts: options.attempts,
    backoffMs: options.backoffMs,
    progress: options.progress,
    signal: options.signal,
  });
}

/** The first cached copy; one whose size is wrong is an error, not silently re-downloaded over. */
async function findCached(entry: WeightsEntry): Promise<string | undefined> {
  for (const dir of weightsCacheDirs()) {
    const path = join(dir, entry.fileName);
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) continue;
    if (entry.bytes !== undefined && info.size !== entry.bytes) {
      throw new Error(
        `${path}: the cached ${entry.arch} weights ${entry.name} are corrupt or incomplete (${info.size} bytes, expected ${entry.bytes}); ` +
        'delete the file and webgrad will download it again',
      );
    }
    return path;
  }
  return undefined;
}

function looksLikePath(weights: string): boolean {
  return /[/\\]/.test(weights) || weights.startsWith('~') || weightFileExtensions.some((ext) => weights.toLowerCase().endsWith(ext));
}

async function localFile(arch: string, weights: string): Promise<string> {
  const path = resolve(weights === '~' || weights.startsWith('~/') ? join(homedir(), weights.slice(1)) : weights);
  const ext = extname(path).toLowerCase();
  if (!(weightFileExtensions as readonly string[]).includes(ext)) {
    throw new Error(`${arch} weights '${weights}': a weights file must end in ${weightFileExtensions.join(', ')}`);
  }
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new Error(`${arch} weights '${weights}': no such file (${path})`);
  if (!info.isFile()) throw new Error(`${arch} weights '${weights}': ${path} is not a file`);
  return path;
}

function unavailableMessage(entry: WeightsEntry, requested: string, reason: string, expectedPaths: string[]): string {
  const alias = requested === DEFAULT_WEIGHTS ? ` (${DEFAULT_WEIGHTS})` : '';
  const size = entry.bytes === undefined ? '' : `, ${(entry.bytes / 1e6).toFixed(1)} MB`;
  const [ours, torchHub] = expectedPaths;
  return `${entry.arch} weights ${entry.name}${alias} (${entry.fileName}${size}) are not cached and could not be downloaded ` +
    `from ${entry.url}: ${reason}. To use them, download that URL on a machine with network access and put the file at ` +
    `${ours}` + (torchHub ? ` (or in PyTorch's hub cache, ${torchHub})` : '') +
    `, or pass weights: '<path to a .pth/.pt/.safetensors file>' to load a local file.`;
}

export { WeightsUnavailableError };
