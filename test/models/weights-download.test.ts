// Pretrained weights for webgrad/models, against a local HTTP server (the machine has no
// internet): resolution by name or path, the two caches, downloads with redirects, retries,
// resume, truncation and checksum failures, offline mode, and loading .pt/.safetensors files.

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { saveSafetensors, tensor, type Tensor } from '../../engine/index.js';
import {
  ChecksumError, DownloadError, DownloadProgress, WeightsUnavailableError, downloadFile, findWeights, getWeights,
  hashMatches, loadWeightsFile, registerWeights, resolveWeights, torchHubCheckpointsDir, webgradWeightsDir,
} from '../../models/weights/index.js';
import { closedPort, endsEarly, paused, redirect, sequence, serveBytes, startServer, status, truncated, type TestServer } from './weights-server.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/io/${name}`, import.meta.url));
const weightsBytes = new Uint8Array(readFileSync(fixture('resnet18_reduced.pt')));
const weightsSha = createHash('sha256').update(weightsBytes).digest('hex');
const reducedKeys = JSON.parse(readFileSync(fixture('resnet18_manifest.json'), 'utf8')).reducedKeys as string[];
const fast = { attempts: 3, backoffMs: 5, progress: false } as const;

/** A stream that keeps what is written, for progress output. */
function capture(isTTY = false): { write(s: string): boolean; isTTY: boolean; text: () => string } {
  const parts: string[] = [];
  return { write: (s: string) => parts.push(s) > 0, isTTY, text: () => parts.join('') };
}

let server: TestServer;
let scratch: string;
const envKeys = ['WEBGRAD_HOME', 'TORCH_HOME', 'XDG_CACHE_HOME', 'WEBGRAD_OFFLINE'] as const;
const savedEnv = new Map(envKeys.map((k) => [k, process.env[k]]));
let testNumber = 0;

/** A test entry whose file is served at `/<route>/<fileName>`; each test gets its own arch. */
function register(route: string, options: { sha256?: string; bytes?: number } = {}) {
  const arch = `testnet${++testNumber}`;
  const fileName = `testnet-${weightsSha.slice(0, 8)}.pt`;
  const path = `/${route}/${fileName}`;
  const entry = registerWeights({
    arch, name: 'V1', url: server.url(path), sha256: options.sha256 ?? weightsSha, bytes: 'bytes' in options ? options.bytes : weightsBytes.length,
  });
  return { arch, path, entry, dest: join(webgradWeightsDir(), fileName) };
}

const listWeightsDir = () => (existsSync(webgradWeightsDir()) ? readdirSync(webgradWeightsDir()).sort() : []);

beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  scratch = mkdtempSync(join(tmpdir(), 'webgrad-weights-'));
  process.env.WEBGRAD_HOME = join(scratch, 'webgrad');
  process.env.TORCH_HOME = join(scratch, 'torch');
  delete process.env.XDG_CACHE_HOME;
  delete process.env.WEBGRAD_OFFLINE;
});
afterEach(() => {
  for (const [k, v] of savedEnv) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  rmSync(scratch, { recursive: true, force: true });
});

describe('registry', () => {
  it("knows torchvision's ResNet checkpoints, DEFAULT as an alias of IMAGENET1K_V1", () => {
    const r18 = getWeights('resnet18', 'IMAGENET1K_V1');
    expect(r18).toMatchObject({
      url: 'https://download.pytorch.org/models/resnet18-f37072fd.pth', fileName: 'resnet18-f37072fd.pth',
      sha256: 'f37072fd47e89c5e827621c5baffa7500819f7896bbacec160b1a16c560e07ec', bytes: 46_830_571,
    });
    expect(getWeights('resnet18', 'DEFAULT')).toBe(r18);
    expect(getWeights('resnet34', 'DEFAULT')).toMatchObject({ fileName: 'resnet34-b627a593.pth', sha256: 'b627a593' });
    expect(getWeights('resnet50', 'IMAGENET1K_V1')).toMatchObject({ fileName: 'resnet50-0676ba61.pth', sha256: '0676ba61' });
    expect(findWeights('resnet18', 'IMAGENET1K_V2')).toBeUndefined();
  });

  it('names the known weights when asked for unknown ones, and checks new entries', () => {
    expect(() => getWeights('resnet18', 'IMAGENET1K_V9')).toThrow(/unknown weights 'IMAGENET1K_V9' for resnet18; known: 'IMAGENET1K_V1', 'DEFAULT'/);
    expect(() => getWeights('vgg11', 'DEFAULT')).toThrow(/no pretrained weights are registered for 'vgg11'; known architectures: .*resnet18, resnet34, resnet50/);
    expect(() => registerWeights({ arch: 'x', name: 'A', url: 'https://h/x.pt', sha256: 'abc' })).toThrow(/sha256 must be 8 to 64 hex digits/);
    expect(() => registerWeights({ arch: 'x', name: 'A', url: 'not a url', sha256: 'abcdef01' })).toThrow(/not an absolute URL/);
  });

  it('compares a sha256 prefix as torchvision does', () => {
    expect(hashMatches(weightsSha, weightsSha.slice(0, 8))).toBe(true);
    expect(hashMatches(weightsSha, weightsSha.toUpperCase())).toBe(true);
    expect(hashMatches(weightsSha, '00000000')).toBe(false);
  });
});

describe('cache folders', () => {
  it('read WEBGRAD_HOME, TORCH_HOME and XDG_CACHE_HOME at call time', () => {
    expect(webgradWeightsDir()).toBe(join(scratch, 'webgrad', 'weights'));
    expect(torchHubCheckpointsDir()).toBe(join(scratch, 'torch', 'hub', 'checkpoints'));
    delete process.env.TORCH_HOME;
    process.env.XDG_CACHE_HOME = join(scratch, 'xdg');
    expect(torchHubCheckpointsDir()).toBe(join(scratch, 'xdg', 'torch', 'hub', 'checkpoints'));
  });
});

describe('resolveWeights: download', () => {
  it('downloads into $WEBGRAD_HOME/weights with a progress line, and the file appears only when complete', async () => {
    const { arch, path, dest } = register('ok');
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    server.routes.set(path, paused(weightsBytes, 100_000, released));
    const progress = capture();
    const pending = resolveWeights(arch, 'V1', { ...fast, progress });
    // Mid-download: the bytes so far are in the .partial, nothing under the final name.
    for (let i = 0; i < 200 && !(existsSync(`${dest}.partial`) && readFileSync(`${dest}.partial`).length === 100_000); i++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(readFileSync(`${dest}.partial`).length).toBe(100_000);
    expect(existsSync(dest)).toBe(false);
    release();
    expect(await pending).toBe(dest);
    expect(Buffer.compare(readFileSync(dest), weightsBytes)).toBe(0);
    expect(listWeightsDir()).toEqual([`testnet-${weightsSha.slice(0, 8)}.pt`]);
    const text = progress.text();
    expect(text).toMatch(/testnet-\w+\.pt \[#+\] 0\.36\/0\.36 MB {2}\d+\.\d MB\/s {2}ETA 00:00\n$/);
    expect(text).toMatch(/0\.00\/0\.36 MB .*ETA --:--\n/);
    expect(server.count(path)).toBe(1);
  });

  it("resolves 'DEFAULT' to the architecture's first weights", async () => {
    const { arch, path, dest } = register('default');
    server.routes.set(path, serveBytes(weightsBytes));
    expect(await resolveWeights(arch, 'DEFAULT', fast)).toBe(dest);
    expect(server.count(path)).toBe(1);
  });

  it('reuses a cached file without any request, from either cache', async () => {
    const { arch, path, dest } = register('cached');
    server.routes.set(path, serveBytes(weightsBytes));
    expect(await resolveWeights(arch, 'V1', fast)).toBe(dest);
    expect(await resolveWeights(arch, 'V1', fast)).toBe(dest);
    expect(server.count(path)).toBe(1);

    // A PyTorch user's hub cache, with webgrad's empty.
    rmSync(dest);
    const hub = join(scratch, 'torch', 'hub', 'checkpoints');
    mkdirSync(hub, { recursive: true });
    writeFileSync(join(hub, `testnet-${weightsSha.slice(0, 8)}.pt`), weightsBytes);
    expect(await resolveWeights(arch, 'V1', fast)).toBe(join(hub, `testnet-${weightsSha.slice(0, 8)}.pt`));
    expect(server.count(path)).toBe(1);
  });

  it('refuses a cached file of the wrong size, saying to delete it', async () => {
    const { arch, path, dest } = register('corrupt');
    server.routes.set(path, serveBytes(weightsBytes));
    mkdirSync(webgradWeightsDir(), { recursive: true });
    writeFileSync(dest, weightsBytes.subarray(0, 1000));
    await expect(resolveWeights(arch, 'V1', fast)).rejects.toThrow(`${dest}: the cached ${arch} weights V1 are corrupt or incomplete (1000 bytes, expected ${weightsBytes.length}); delete the file`);
    expect(server.count(path)).toBe(0);
  });

  it('follows a 301 → 302 → 307 chain, and refuses too many redirects', async () => {
    const { arch, path, dest } = register('moved');
    server.routes.set(path, redirect(301, '/hop1'));
    server.routes.set('/hop1', redirect(302, `${server.url('/hop2')}`));
    server.routes.set('/hop2', redirect(307, '/final/file.pt'));
    server.routes.set('/final/file.pt', serveBytes(weightsBytes));
    expect(await resolveWeights(arch, 'V1', fast)).toBe(dest);
    expect(Buffer.compare(readFileSync(dest), weightsBytes)).toBe(0);
    expect([path, '/hop1', '/hop2', '/final/file.pt'].map((p) => server.count(p))).toEqual([1, 1, 1, 1]);

    server.routes.set('/loop', redirect(302, '/loop'));
    const loopDest = join(scratch, 'loop.pt');
    await expect(downloadFile(server.url('/loop'), loopDest, { ...fast, maxRedirects: 4 })).rejects.toThrow(/\/loop: more than 4 redirects/);
    expect(server.count('/loop')).toBe(5);
  });

  it('fails at once on HTTP 404, naming the URL and status', async () => {
    const { arch, path, entry } = register('missing');
    server.routes.set(path, status(404));
    const error = await resolveWeights(arch, 'V1', fast).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WeightsUnavailableError);
    expect((error as Error).message).toContain(`could not be downloaded from ${entry.url}: HTTP 404 Not Found`);
    expect(((error as Error).cause as DownloadError).status).toBe(404);
    expect(server.count(path)).toBe(1);
    expect(listWeightsDir()).toEqual([]);

    server.routes.set('/forbidden', status(403));
    await expect(downloadFile(server.url('/forbidden'), join(scratch, 'f.pt'), fast)).rejects.toThrow(`${server.url('/forbidden')}: HTTP 403 Forbidden`);
    expect(server.count('/forbidden')).toBe(1);
  });

  it('retries after an HTTP 500, saying so on the progress stream', async () => {
    const { arch, path, dest } = register('flaky');
    server.routes.set(path, sequence(status(500), serveBytes(weightsBytes)));
    const progress = capture();
    expect(await resolveWeights(arch, 'V1', { ...fast, progress })).toBe(dest);
    expect(server.count(path)).toBe(2);
    expect(Buffer.compare(readFileSync(dest), weightsBytes)).toBe(0);
    expect(progress.text()).toMatch(/HTTP 500 Internal Server Error; retrying in 0\.0 s \(attempt 2 of 3\)/);
  });

  it('resumes a truncated body with a Range request', async () => {
    const { arch, path, dest } = register('cut-once');
    server.routes.set(path, sequence(truncated(weightsBytes, 120_000), serveBytes(weightsBytes)));
    expect(await resolveWeights(arch, 'V1', fast)).toBe(dest);
    expect(Buffer.compare(readFileSync(dest), weightsBytes)).toBe(0);
    const ranges = server.requests.filter((r) => r.path === path).map((r) => r.range);
    expect(ranges).toEqual([undefined, 'bytes=120000-']);
    expect(listWeightsDir()).toEqual([`testnet-${weightsSha.slice(0, 8)}.pt`]);
  });

  it('takes a body that ends cleanly but short of the known size as truncated', async () => {
    const { arch, path, dest } = register('short-chunked');
    server.routes.set(path, sequence(endsEarly(weightsBytes, 200_000), serveBytes(weightsBytes)));
    expect(await resolveWeights(arch, 'V1', fast)).toBe(dest);
    expect(Buffer.compare(readFileSync(dest), weightsBytes)).toBe(0);
    expect(server.requests.filter((r) => r.path === path).map((r) => r.range)).toEqual([undefined, 'bytes=200000-']);
  });

  it('retries an attempt that stalls, and stops at once when aborted', async () => {
    const never = new Promise<void>(() => undefined);
    server.routes.set('/stall', sequence(paused(weightsBytes, 30_000, never), serveBytes(weightsBytes)));
    const dest = join(scratch, 'stall.pt');
    const progress = capture();
    await downloadFile(server.url('/stall'), dest, { ...fast, progress, sha256: weightsSha, stallTimeoutMs: 150 });
    expect(Buffer.compare(readFileSync(dest), weightsBytes)).toBe(0);
    expect(progress.text()).toMatch(/stall\.pt: http:\S+\/stall: no data for 0\.15 s; retrying in 0\.0 s \(attempt 2 of 3\)/);
    expect(server.requests.filter((r) => r.path === '/stall').map((r) => r.range)).toEqual([undefined, 'bytes=30000-']);

    server.routes.set('/hang', paused(weightsBytes, 30_000, never));
    const controller = new AbortController();
    const hung = join(scratch, 'hang.pt');
    const pending = downloadFile(server.url('/hang'), hung, { ...fast, signal: controller.signal });
    for (let i = 0; i < 400 && !(existsSync(`${hung}.partial`) && readFileSync(`${hung}.partial`).length === 30_000); i++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    controller.abort(new Error('user stopped it'));
    await expect(pending).rejects.toThrow('user stopped it');
    expect(server.count('/hang')).toBe(1);
    expect(existsSync(hung)).toBe(false);
  });

  it('continues a .partial left by an earlier run, and starts over when the server ignores Range', async () => {
    const { arch, path, dest } = register('leftover');
    server.routes.set(path, serveBytes(weightsBytes));
    mkdirSync(webgradWeightsDir(), { recursive: true });
    writeFileSync(`${dest}.partial`, weightsBytes.subarray(0, 50_000));
    expect(await resolveWeights(arch, 'V1', fast)).toBe(dest);
    expect(server.requests.filter((r) => r.path === path).map((r) => r.range)).toEqual(['bytes=50000-']);
    expect(Buffer.compare(readFileSync(dest), weightsBytes)).toBe(0);

    // A stale partial of other bytes: the resumed file fails the checksum and is fetched whole.
    const stale = register('stale');
    server.routes.set(stale.path, serveBytes(weightsBytes));
    rmSync(stale.dest);
    writeFileSync(`${stale.dest}.partial`, new Uint8Array(50_000).fill(3));
    expect(await resolveWeights(stale.arch, 'V1', fast)).toBe(stale.dest);
    expect(Buffer.compare(readFileSync(stale.dest), weightsBytes)).toBe(0);
    expect(server.requests.filter((r) => r.path === stale.path).map((r) => r.range)).toEqual(['bytes=50000-', undefined]);

    const other = register('no-range');
    server.routes.set(other.path, serveBytes(weightsBytes, { range: false }));
    rmSync(other.dest, { force: true });
    writeFileSync(`${other.dest}.partial`, new Uint8Array(70_000).fill(7));
    expect(await resolveWeights(other.arch, 'V1', fast)).toBe(other.dest);
    expect(Buffer.compare(readFileSync(other.dest), weightsBytes)).toBe(0);
    expect(server.count(other.path)).toBe(1);
  });

  it('gives up on a body that is always cut short, leaving nothing under the final name', async () => {
    const { arch, path, dest } = register('cut-always');
    // The handler ignores Range, so every attempt starts over and is cut again.
    server.routes.set(path, truncated(weightsBytes, 64_000));
    const error = await resolveWeights(arch, 'V1', fast).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WeightsUnavailableError);
    expect((error as Error).message).toMatch(/connection lost after 64000 of 357063 bytes: .*\(gave up after 3 attempts\)/);
    expect(server.count(path)).toBe(3);
    expect(existsSync(dest)).toBe(false);
  });

  it('rejects other bytes by checksum, naming both hashes, and keeps no file', async () => {
    const { arch, path, dest, entry } = register('tampered');
    const other = new Uint8Array(weightsBytes);
    other[1000] ^= 0xff;
    const otherSha = createHash('sha256').update(other).digest('hex');
    server.routes.set(path, serveBytes(other));
    const error = await resolveWeights(arch, 'V1', fast).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WeightsUnavailableError);
    expect((error as Error).message).toContain(`could not be downloaded from ${entry.url}: checksum mismatch, expected sha256 ${weightsSha} but the download has ${otherSha}`);
    const cause = (error as Error).cause as ChecksumError;
    expect(cause).toBeInstanceOf(ChecksumError);
    expect([cause.expected, cause.actual]).toEqual([weightsSha, otherSha]);
    expect(server.count(path)).toBe(1);
    expect(existsSync(dest)).toBe(false);
    expect(listWeightsDir()).toEqual([]);
  });

  it('checks only the prefix when only a prefix is known, and the size when only that is', async () => {
    const prefixOnly = register('prefix', { sha256: weightsSha.slice(0, 8), bytes: undefined });
    server.routes.set(prefixOnly.path, serveBytes(weightsBytes));
    expect(await resolveWeights(prefixOnly.arch, 'V1', fast)).toBe(prefixOnly.dest);

    const wrongPrefix = register('wrong-prefix', { sha256: 'deadbeef', bytes: undefined });
    server.routes.set(wrongPrefix.path, serveBytes(weightsBytes));
    rmSync(wrongPrefix.dest);
    await expect(resolveWeights(wrongPrefix.arch, 'V1', fast)).rejects.toThrow(/expected sha256 deadbeef but the download has [0-9a-f]{64}/);

    server.routes.set('/sized', serveBytes(weightsBytes));
    await expect(downloadFile(server.url('/sized'), join(scratch, 'sized.pt'), { ...fast, bytes: weightsBytes.length - 1 }))
      .rejects.toThrow(`${server.url('/sized')}: size mismatch, the download has ${weightsBytes.length} bytes instead of ${weightsBytes.length - 1}`);
    expect(readdirSync(scratch).filter((f) => f.startsWith('sized'))).toEqual([]);
  });

  it('shares one download between concurrent calls', async () => {
    const { arch, path, dest } = register('together');
    server.routes.set(path, serveBytes(weightsBytes));
    expect(await Promise.all([resolveWeights(arch, 'V1', fast), resolveWeights(arch, 'DEFAULT', fast)])).toEqual([dest, dest]);
    expect(server.count(path)).toBe(1);
  });
});

describe('resolveWeights: unavailable', () => {
  it('connection refused: WeightsUnavailableError naming where to put the file', async () => {
    const port = await closedPort();
    const arch = 'offlinenet';
    const entry = registerWeights({ arch, name: 'V1', url: `http://127.0.0.1:${port}/models/offlinenet-0123abcd.pth`, sha256: '0123abcd', bytes: 2_500_000 });
    const error = await resolveWeights(arch, 'DEFAULT', { ...fast, attempts: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WeightsUnavailableError);
    const e = error as WeightsUnavailableError;
    const ours = join(scratch, 'webgrad', 'weights', 'offlinenet-0123abcd.pth');
    const hub = join(scratch, 'torch', 'hub', 'checkpoints', 'offlinenet-0123abcd.pth');
    expect([e.arch, e.weightsName, e.url, e.expectedPaths]).toEqual([arch, 'V1', entry.url, [ours, hub]]);
    expect((e.cause as DownloadError).code).toBe('ECONNREFUSED');
    expect(e.message).toBe(
      `offlinenet weights V1 (DEFAULT) (offlinenet-0123abcd.pth, 2.5 MB) are not cached and could not be downloaded from ${entry.url}: ` +
      'request failed: connection refused (ECONNREFUSED) (gave up after 2 attempts). To use them, download that URL on a machine with network ' +
      `access and put the file at ${ours} (or in PyTorch's hub cache, ${hub}), or pass weights: '<path to a .pth/.pt/.safetensors file>' to load a local file.`,
    );
  });

  it('WEBGRAD_OFFLINE=1 and download: false make no request', async () => {
    const { arch, path } = register('offline');
    server.routes.set(path, serveBytes(weightsBytes));
    process.env.WEBGRAD_OFFLINE = '1';
    await expect(resolveWeights(arch, 'V1', fast)).rejects.toThrow(/not cached and could not be downloaded from .*: downloads are off \(WEBGRAD_OFFLINE=1\)\. To use them/);
    delete process.env.WEBGRAD_OFFLINE;
    const error = await resolveWeights(arch, 'V1', { ...fast, download: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WeightsUnavailableError);
    expect((error as Error).message).toMatch(/downloads are off \(download: false\)/);
    expect(server.count(path)).toBe(0);
    expect(listWeightsDir()).toEqual([]);
  });
});

describe('resolveWeights: local paths', () => {
  it('returns an existing file and names a missing one', async () => {
    const file = join(scratch, 'mine.pth');
    writeFileSync(file, weightsBytes);
    expect(await resolveWeights('resnet18', file)).toBe(file);
    await expect(resolveWeights('resnet18', join(scratch, 'absent.pt'))).rejects.toThrow(`resnet18 weights '${join(scratch, 'absent.pt')}': no such file`);
    await expect(resolveWeights('resnet18', join(scratch, 'notes.txt'))).rejects.toThrow(/must end in \.pth, \.pt, \.bin, \.safetensors/);
    await expect(resolveWeights('resnet18', 'IMAGENET')).rejects.toThrow(/unknown weights 'IMAGENET' for resnet18; known: 'IMAGENET1K_V1', 'DEFAULT', or a path/);
  });
});

describe('loadWeightsFile', () => {
  const disposeAll = (sd: Map<string, Tensor>) => { for (const t of sd.values()) t.dispose(); };

  it('reads a torch.save state dict and a .safetensors file', async () => {
    const sd = await loadWeightsFile(fixture('resnet18_reduced.pt'));
    expect([...sd.keys()]).toEqual(reducedKeys);
    expect(sd.get('conv1.weight')!.shape).toEqual([64, 3, 7, 7]);
    expect(sd.get('fc.bias')!.shape).toEqual([1000]);
    disposeAll(sd);

    const file = join(scratch, 'small.safetensors');
    await saveSafetensors(file, new Map([['fc.weight', tensor([[1, 2], [3, 4]])], ['fc.bias', tensor([0.5, -0.5])]]));
    const st = await loadWeightsFile(file);
    expect([...st.keys()]).toEqual(['fc.weight', 'fc.bias']);
    expect(Array.from(await st.get('fc.weight')!.data())).toEqual([1, 2, 3, 4]);
    expect(Array.from(await st.get('fc.bias')!.data())).toEqual([0.5, -0.5]);
    disposeAll(st);
  });

  it("unwraps a training checkpoint's 'model' state dict", async () => {
    const sd = await loadWeightsFile(fixture('checkpoint.pt'));
    expect([...sd.keys()]).toEqual(['weight', 'bias']);
    expect(sd.get('weight')!.shape).toEqual([2, 3]);
    expect(Array.from(await sd.get('bias')!.data())).toEqual([Math.fround(-0.46635758876800537), Math.fround(-0.8667662143707275)]);
    disposeAll(sd);
  });

  it('explains how to convert a legacy file, and refuses other formats', async () => {
    await expect(loadWeightsFile(fixture('legacy.pt'))).rejects.toThrow(
      `${fixture('legacy.pt')}: saved in torch.save's legacy (pre-1.6, non-zip) format, which webgrad does not read. Convert it once in Python: import torch; torch.save(torch.load('${fixture('legacy.pt')}'), '${fixture('legacy-zip.pt')}')`,
    );
    await expect(loadWeightsFile(fixture('checkpoint.json'))).rejects.toThrow(/unknown weights format '\.json'/);
  });
});

describe('DownloadProgress', () => {
  it('redraws one line in place on a terminal', () => {
    const tty = capture(true);
    const bar = new DownloadProgress('w.pth', 50e6, tty);
    bar.update(0);
    bar.update(10e6); // within 100 ms of the last draw: skipped
    bar.finish(50e6);
    expect(tty.text()).toMatch(/^\rw\.pth \[\.{24}\] 0\.00\/50\.0 MB {2}0\.0 MB\/s {2}ETA --:--\x1b\[K\rw\.pth \[#{24}\] 50\.0\/50\.0 MB {2}\d+\.\d MB\/s {2}ETA 00:00\x1b\[K\n$/);
  });

  it('shows MB without a bar when the size is unknown', () => {
    expect(new DownloadProgress('x.pt', undefined, capture()).line(2.5e6)).toMatch(/^x\.pt 2\.50 MB {2}\d+\.\d MB\/s {2}ETA --:--$/);
  });
});
