// download:hmdb against a local HTTP server: the downloader (progress, retries, resume, redirects,
// errors), the RAR-of-RARs extraction with node-unrar-js on archives made by a store-only RAR 4
// writer (test/fixtures/download/rar4.ts), resuming by class, and the CLI.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchArchive, readArchiveManifest } from '../../pipeline/download/archives.js';
import { downloadFile } from '../../models/weights/download.js';
import { DownloadError } from '../../models/weights/http.js';
import { downloadHmdb51, HMDB51_CLASSES } from '../../pipeline/download/hmdb51.js';
import { ArchiveError } from '../../pipeline/download/rar.js';
import { scanVideos } from '../../pipeline/prepare.js';
import { officialSplit } from '../../pipeline/split.js';
import { rarArchive, type RarEntry } from '../fixtures/download/rar4.js';
import { MINI, SPLITS, tempDir } from './helpers.js';

const ROOT = resolve(import.meta.dirname, '../..');
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const bytes = (n: number, seed = 1) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + seed * 7) & 0xff));

// ---- a local server whose behaviour each test sets -------------------------------------------

type Handler = (req: IncomingMessage, res: ServerResponse, hit: number) => void;
let server: Server;
let base: string;
const routes = new Map<string, Handler>();
const hits: { path: string; range?: string }[] = [];

/** Serves `body` like a static file server: Content-Length, Range → 206; `cutAt` ends the connection early. */
function sendFile(req: IncomingMessage, res: ServerResponse, body: Buffer, opts: { cutAt?: number; type?: string } = {}): void {
  const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  const start = range ? Number(range[1]) : 0;
  if (start >= body.length && range) {
    res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
    return;
  }
  const headers = { 'content-type': opts.type ?? 'application/x-rar-compressed', 'accept-ranges': 'bytes', 'content-length': String(body.length - start) };
  if (range) res.writeHead(206, { ...headers, 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` });
  else res.writeHead(200, headers);
  if (opts.cutAt === undefined) {
    res.end(body.subarray(start));
    return;
  }
  res.write(body.subarray(start, opts.cutAt), () => setTimeout(() => res.socket?.destroy(), 20));
}

/** A file at `path`, optionally misbehaving on the first requests. */
function file(path: string, body: Buffer, first: Handler[] = []): void {
  routes.set(path, (req, res, hit) => (first[hit] ? first[hit](req, res, hit) : sendFile(req, res, body)));
}

beforeAll(async () => {
  const count = new Map<string, number>();
  server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    hits.push({ path, range: req.headers.range });
    const hit = count.get(path) ?? 0;
    count.set(path, hit + 1);
    const route = routes.get(path);
    if (route) route(req, res, hit);
    else res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

function capture(tty = false) {
  const chunks: string[] = [];
  return { stream: { isTTY: tty, write: (s: string) => chunks.push(s) }, text: () => chunks.join('') };
}
const fast = { attempts: 4, backoffMs: 5 };
const hitsOf = (path: string) => hits.filter((h) => h.path === path);

// ---- HMDB51-shaped archives -------------------------------------------------------------------

/** hmdb51_org.rar: one <class>.rar per class, each holding <class>/<clip>.avi. */
function hmdbArchives(clips: Record<string, { name: string; data: Buffer }[]>, splitFiles: { name: string; data: Buffer }[]) {
  const inner = Object.entries(clips).map(([cls, files]) => ({
    name: `${cls}.rar`,
    data: rarArchive([{ name: cls }, ...files.map((f) => ({ name: `${cls}/${f.name}`, data: f.data }))], 'windows'),
  }));
  const splits: RarEntry[] = [{ name: 'testTrainMulti_7030_splits' }, ...splitFiles.map((f) => ({ name: `testTrainMulti_7030_splits/${f.name}`, data: f.data }))];
  // Both kinds of names: backslash-separated (made on Windows, as HMDB51's archives) and '/'-separated.
  return { outer: rarArchive(inner, 'windows'), inner, splits: rarArchive(splits, 'unix') };
}

const smallClips = {
  clap: [{ name: 'a_clap_0.avi', data: bytes(3000, 1) }, { name: 'b_clap_1.avi', data: bytes(2000, 2) }],
  golf: [{ name: 'c_golf_0.avi', data: bytes(2500, 3) }],
  wave: [{ name: 'd_wave_0.avi', data: bytes(1000, 4) }, { name: 'e_wave_1.avi', data: bytes(1500, 5) }],
};
const smallSplits = ['clap', 'golf', 'wave'].map((c) => ({ name: `${c}_test_split1.txt`, data: Buffer.from(`${c}_x.avi 1 \n`) }));

// ---- the downloader ---------------------------------------------------------------------------

describe('downloadFile', () => {
  it('reports bytes, MB/s and ETA, and returns the sha256 of what it wrote', async () => {
    const body = bytes(200_000);
    file('/plain.bin', body);
    const dir = tempDir('dl');
    const out = capture(true);
    const got = await downloadFile(`${base}/plain.bin`, join(dir, 'plain.bin'), { progress: out.stream, label: 'plain.bin' });
    expect(got).toEqual({ bytes: body.length, sha256: sha(body), resumed: false });
    expect(readFileSync(join(dir, 'plain.bin')).equals(body)).toBe(true);
    expect(existsSync(join(dir, 'plain.bin.partial'))).toBe(false);
    expect(out.text()).toMatch(/plain\.bin \[#{24}\] 0\.20\/0\.20 MB {2}\d+\.\d MB\/s {2}ETA 00:00/);
  });

  it('retries a 503 with back-off, then succeeds', async () => {
    const body = bytes(5000, 2);
    const unavailable: Handler = (_q, res) => res.writeHead(503, 'Service Unavailable').end();
    file('/busy.bin', body, [unavailable, unavailable]);
    const out = capture();
    const got = await downloadFile(`${base}/busy.bin`, join(tempDir('dl'), 'busy.bin'), { ...fast, progress: out.stream });
    expect(got.sha256).toBe(sha(body));
    expect(hitsOf('/busy.bin')).toHaveLength(3);
    expect(out.text()).toContain('HTTP 503 Service Unavailable; retrying in 0.0 s (attempt 2 of 4)');
  });

  it('resumes a truncated body with a Range request', async () => {
    const body = bytes(100_000, 3);
    file('/cut.bin', body, [(req, res) => sendFile(req, res, body, { cutAt: 40_000 })]);
    const dest = join(tempDir('dl'), 'cut.bin');
    const out = capture();
    const got = await downloadFile(`${base}/cut.bin`, dest, { ...fast, progress: out.stream });
    expect(got).toEqual({ bytes: body.length, sha256: sha(body), resumed: true });
    expect(readFileSync(dest).equals(body)).toBe(true);
    expect(hitsOf('/cut.bin').map((h) => h.range)).toEqual([undefined, 'bytes=40000-']);
    expect(out.text()).toMatch(/connection lost after 40000 of 100000 bytes|truncated download, 40000 of 100000 bytes/);
  });

  it('continues the .partial an interrupted run left', async () => {
    const body = bytes(50_000, 4);
    file('/left.bin', body);
    const dest = join(tempDir('dl'), 'left.bin');
    writeFileSync(`${dest}.partial`, body.subarray(0, 12_345));
    const got = await downloadFile(`${base}/left.bin`, dest, { progress: false });
    expect(got).toEqual({ bytes: body.length, sha256: sha(body), resumed: true });
    expect(hitsOf('/left.bin').map((h) => h.range)).toEqual(['bytes=12345-']);
  });

  it('says 404 once, with the URL, and leaves no .partial', async () => {
    const dest = join(tempDir('dl'), 'missing.bin');
    const error = await downloadFile(`${base}/missing.bin`, dest, { ...fast, progress: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DownloadError);
    expect((error as DownloadError).message).toBe(`${base}/missing.bin: HTTP 404 Not Found`);
    expect(hitsOf('/missing.bin')).toHaveLength(1);
    expect(existsSync(`${dest}.partial`)).toBe(false);
  });

  it('follows redirects (relative and absolute) and refuses a loop', async () => {
    const body = bytes(3000, 5);
    file('/real/file.bin', body);
    routes.set('/moved.bin', (_q, res) => res.writeHead(301, { location: '/hop.bin' }).end());
    routes.set('/hop.bin', (_q, res) => res.writeHead(302, { location: `${base}/real/file.bin` }).end());
    const got = await downloadFile(`${base}/moved.bin`, join(tempDir('dl'), 'f.bin'), { progress: false });
    expect(got.sha256).toBe(sha(body));
    routes.set('/loop.bin', (_q, res) => res.writeHead(302, { location: '/loop.bin' }).end());
    await expect(downloadFile(`${base}/loop.bin`, join(tempDir('dl'), 'l.bin'), { progress: false, maxRedirects: 3 }))
      .rejects.toThrow(`${base}/loop.bin: more than 3 redirects`);
  });

  it('refuses an HTML page served in place of the file', async () => {
    routes.set('/page.rar', (req, res) => sendFile(req, res, Buffer.from('<html>moved</html>'), { type: 'text/html; charset=UTF-8' }));
    await expect(downloadFile(`${base}/page.rar`, join(tempDir('dl'), 'p.rar'), { ...fast, progress: false }))
      .rejects.toThrow('the server sent an HTML page (text/html; charset=UTF-8), not the file');
    expect(hitsOf('/page.rar')).toHaveLength(1);
  });

  it('checks a given sha256', async () => {
    file('/sum.bin', bytes(1000, 6));
    await expect(downloadFile(`${base}/sum.bin`, join(tempDir('dl'), 's.bin'), { progress: false, sha256: '0'.repeat(64) }))
      .rejects.toThrow(`checksum mismatch, expected sha256 ${'0'.repeat(64)} but the download has ${sha(bytes(1000, 6))}`);
  });
});

// ---- HMDB51 end to end ------------------------------------------------------------------------

/** Serves both archives under `/<tag>/`. */
function serveHmdb(tag: string, a: { outer: Buffer; splits: Buffer }): string {
  file(`/${tag}/hmdb51_org.rar`, a.outer);
  file(`/${tag}/test_train_splits.rar`, a.splits);
  return `${base}/${tag}`;
}

describe('downloadHmdb51', () => {
  it('extracts real HMDB51 clips and split lists into the layout prepare reads', async () => {
    const clips = Object.fromEntries(readdirSync(MINI, { withFileTypes: true }).filter((d) => d.isDirectory())
      .map((d) => [d.name, readdirSync(join(MINI, d.name)).map((name) => ({ name, data: readFileSync(join(MINI, d.name, name)) }))]));
    const lists = readdirSync(SPLITS).map((name) => ({ name, data: readFileSync(join(SPLITS, name)) }));
    const a = hmdbArchives(clips, lists);
    const url = serveHmdb('real', a);
    const out = tempDir('hmdb');
    const lines: string[] = [];
    const progress = capture();
    const result = await downloadHmdb51({ out, baseUrl: url, progress: progress.stream, log: (l) => lines.push(l) });

    const scan = scanVideos(join(out, 'videos'));
    expect(scan.classes).toEqual(Object.keys(clips).sort());
    for (const c of scan.clips) expect(sha(readFileSync(c.path))).toBe(sha(readFileSync(join(MINI, c.className, `${c.clip}.avi`))));
    expect(scan.clips).toHaveLength(7);
    const splitsDir = join(out, 'splits/testTrainMulti_7030_splits');
    expect(readdirSync(splitsDir)).toHaveLength(153);
    const split1 = officialSplit(splitsDir, 1, scan.classes, scan.clips.map((c) => `${c.className}/${c.clip}`));
    expect(split1.test.sort()).toEqual([
      'climb_stairs/Increase_stride_length_by_running_stairs__working_step_over_action_speed_development_climb_stairs_f_cm_np1_le_med_1',
      'punch/AdvancedBoxingTechniquesandExercises_punch_u_nm_np1_ba_med_23',
    ]);
    expect(split1.train).toHaveLength(5);

    expect(result.videos).toMatchObject({ extracted: scan.classes, skipped: [], clips: 7 });
    expect(result.splits).toEqual({ dir: splitsDir, files: 153 });
    const manifest = readArchiveManifest(join(out, 'archives')).archives;
    expect(manifest['hmdb51_org.rar']).toMatchObject({ url: `${url}/hmdb51_org.rar`, bytes: a.outer.length, sha256: sha(a.outer), classes: scan.classes });
    expect(manifest['test_train_splits.rar']).toMatchObject({ bytes: a.splits.length, sha256: sha(a.splits), checked: 'size announced by the server' });
    expect(result.missingClasses).toHaveLength(44);
    expect(lines.join('\n')).toContain("warning: hmdb51_org.rar has no archive for 44 of HMDB51's 51 classes");
    expect(progress.text()).toContain('hmdb51_org.rar: unpacking class archives [########################] 7/7 classes');
    expect(progress.text()).toContain('videos: extracting [########################] 7/7 classes');
    expect(readdirSync(join(out, 'archives')).sort()).toEqual(['hmdb51_org.rar', 'manifest.json', 'test_train_splits.rar']);
  });

  it('resumes by class: a class that failed is redone, finished ones are skipped, nothing looks complete early', async () => {
    const good = hmdbArchives(smallClips, smallSplits);
    // golf.rar's clip damaged: the outer archive is sound (its CRC covers golf.rar as stored), the inner is not.
    const damaged = hmdbArchives(smallClips, smallSplits);
    const golf = damaged.inner.find((i) => i.name === 'golf.rar')!;
    const broken = Buffer.from(golf.data);
    broken[broken.length - 100] ^= 0xff;
    const outer = rarArchive(damaged.inner.map((i) => (i === golf ? { name: i.name, data: broken } : i)), 'windows');
    const url = serveHmdb('resume-bad', { outer, splits: good.splits });
    const out = tempDir('hmdb');
    const error = await downloadHmdb51({ out, baseUrl: url, progress: false, log: () => undefined }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArchiveError);
    const outerPath = join(out, 'archives/hmdb51_org.rar');
    expect((error as Error).message).toBe(
      `${join(out, 'archives/.class-archives/golf.rar')} is damaged: a header or data checksum does not match (at golf/c_golf_0.avi) ` +
        `(golf.rar was taken from ${outerPath}): delete ${outerPath} and run again to download it afresh`,
    );
    expect(readdirSync(join(out, 'videos')).sort()).toEqual(['.partial-golf', 'clap']);

    // The fix the message gives: delete the archive and run again (now served sound).
    rmSync(outerPath);
    const fixedUrl = serveHmdb('resume-good', good);
    const before = hits.length;
    const lines: string[] = [];
    const result = await downloadHmdb51({ out, baseUrl: fixedUrl, progress: false, log: (l) => lines.push(l) });
    expect(result.videos).toMatchObject({ extracted: ['golf', 'wave'], skipped: ['clap'], clips: 3 });
    expect(lines).toContain(`videos: 1 of 3 classes already extracted in ${join(out, 'videos')}, resuming`);
    expect(readdirSync(join(out, 'videos')).sort()).toEqual(['clap', 'golf', 'wave']);
    expect(readFileSync(join(out, 'videos/golf/c_golf_0.avi')).equals(smallClips.golf[0].data)).toBe(true);
    expect(hits.slice(before).map((h) => h.path)).toEqual(['/resume-good/hmdb51_org.rar']); // splits were already done

    // A third run has nothing to do and asks the server nothing.
    const third = hits.length;
    const again = await downloadHmdb51({ out, baseUrl: fixedUrl, progress: false, log: () => undefined, deleteArchives: true });
    expect(again.videos).toMatchObject({ extracted: [], skipped: ['clap', 'golf', 'wave'] });
    expect(hits.length).toBe(third);
    expect(readdirSync(join(out, 'archives'))).toEqual(['manifest.json']);
    // With the archive deleted, the manifest's class list still says the videos are complete.
    const fourth = await downloadHmdb51({ out, baseUrl: fixedUrl, what: 'videos', progress: false, log: () => undefined });
    expect(fourth.videos).toMatchObject({ extracted: [], skipped: ['clap', 'golf', 'wave'] });
    expect(hits.length).toBe(third);
  });

  it('names a truncated archive and the fix', async () => {
    const a = hmdbArchives(smallClips, smallSplits);
    const url = serveHmdb('trunc', { outer: a.outer.subarray(0, Math.floor(a.outer.length * 0.6)), splits: a.splits });
    const out = tempDir('hmdb');
    const outerPath = join(out, 'archives/hmdb51_org.rar');
    await expect(downloadHmdb51({ out, baseUrl: url, what: 'videos', progress: false, log: () => undefined }))
      .rejects.toThrow(new RegExp(`^${outerPath.replaceAll('.', '\\.')} ends too early: it is truncated.*: delete ${outerPath.replaceAll('.', '\\.')} and run again`));
    expect(existsSync(join(out, 'videos')) && readdirSync(join(out, 'videos')).some((d) => !d.startsWith('.'))).toBe(false);
  });

  it('refuses a file that is not a RAR archive, and falls back to the next mirror', async () => {
    const a = hmdbArchives(smallClips, smallSplits);
    file('/junk/test_train_splits.rar', Buffer.from('PK\x03\x04 a zip, not a rar'));
    file('/mirror2/test_train_splits.rar', a.splits);
    const out = tempDir('hmdb');
    const lines: string[] = [];
    const record = await fetchArchive(join(out, 'archives'), 'test_train_splits.rar', {
      urls: [`${base}/nowhere/test_train_splits.rar`, `${base}/junk/test_train_splits.rar`, `${base}/mirror2/test_train_splits.rar`],
      log: (l) => lines.push(l), progress: false,
    });
    expect(record).toMatchObject({ url: `${base}/mirror2/test_train_splits.rar`, sha256: sha(a.splits) });
    expect(lines[0]).toBe(`test_train_splits.rar: ${base}/nowhere/test_train_splits.rar: HTTP 404 Not Found; trying the next mirror`);
    expect(lines[1]).toBe(`test_train_splits.rar: ${base}/junk/test_train_splits.rar: the file is not a RAR archive (it starts with "PK\\u0003\\u0004 a zip, not "); trying the next mirror`);

    await expect(downloadHmdb51({ out: tempDir('hmdb'), baseUrl: `${base}/nowhere`, what: 'splits', progress: false, log: () => undefined }))
      .rejects.toThrow(/^could not download test_train_splits\.rar:\n {2}http:.*HTTP 404 Not Found\nFix: check the network and run again/);
  });

  it('knows the 51 classes of the official split lists', () => {
    expect(HMDB51_CLASSES).toHaveLength(51);
    expect(new Set(HMDB51_CLASSES).size).toBe(51);
    expect([...HMDB51_CLASSES].sort()).toEqual([...new Set(readdirSync(SPLITS).map((f) => f.replace(/_test_split\d\.txt$/, '')))].sort());
  });
});

// ---- the CLI ----------------------------------------------------------------------------------

function cli(args: string[], env: Record<string, string> = {}, started?: (pid: number) => void): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = execFile(process.execPath, ['--import', 'tsx', 'pipeline/download-cli.ts', ...args], { cwd: ROOT, env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
    started?.(child.pid!);
  });
}

describe('download-cli', () => {
  it('prints its usage with --help', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('usage: npm run download:hmdb -- --out <dir> [options]');
    expect(r.stdout).toContain('--what W             videos | splits | all (default all)');
  });

  it('refuses bad options with exit code 2 and the reason', async () => {
    const [noOut, what, sha, bare, url, unknown] = await Promise.all([
      cli([]),
      cli(['--out', 'x', '--what', 'frames']),
      cli(['--out', 'x', '--sha256', 'hmdb51_org.rar=abc']),
      cli(['--out', 'x', '--sha256', 'a'.repeat(64)]),
      cli(['--out', 'x', '--base-url', 'ftp://mirror/hmdb']),
      cli(['--out', 'x', '--frames', '16']),
    ]);
    for (const r of [noOut, what, sha, bare, url, unknown]) expect(r.code).toBe(2);
    expect(noOut.stderr).toContain('download: --out is required');
    expect(what.stderr).toContain("download: --what must be videos, splits or all, got 'frames'");
    expect(sha.stderr).toContain('download: --sha256 hmdb51_org.rar=abc: a sha256 is 64 hex digits, got 3 characters');
    expect(bare.stderr).toContain('say which archive, as hmdb51_org.rar=<hex> or test_train_splits.rar=<hex>');
    expect(url.stderr).toContain("download: --base-url must be an http(s) URL, got 'ftp://mirror/hmdb'");
    expect(unknown.stderr).toContain("Unknown option '--frames'");
  });

  it('downloads from WEBGRAD_HMDB51_URL and prints the next command; a 404 exits 1 with the fix', async () => {
    const url = serveHmdb('cli', hmdbArchives(smallClips, smallSplits));
    const out = join(tempDir('hmdb'), 'data');
    mkdirSync(out);
    const r = await cli(['--out', out, '--no-progress'], { WEBGRAD_HMDB51_URL: url });
    expect(r.stderr).toContain(`download: done. Next:\n  npm run prepare:hmdb -- --data ${out}/videos --out ${out}/frames --split official:1 --splits-dir ${out}/splits/testTrainMulti_7030_splits\n`);
    expect(r.code).toBe(0);
    expect(readdirSync(join(out, 'videos')).sort()).toEqual(['clap', 'golf', 'wave']);

    const missing = await cli(['--out', join(out, 'other'), '--no-progress', '--base-url', `${base}/none`]);
    expect(existsSync(join(out, 'other/archives/test_train_splits.rar.partial.json'))).toBe(false);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`download: could not download test_train_splits.rar:\n  ${base}/none/test_train_splits.rar: HTTP 404 Not Found\nFix:`);
  });

  it('stops on Ctrl-C with exit code 130, keeping the .partial, which the next run resumes', async () => {
    const lists = [{ name: 'clap_test_split1.txt', data: Buffer.from('clap_x.avi 1 \n'.repeat(10_000)) }];
    const a = hmdbArchives({}, lists);
    let pid = 0;
    let received = (): void => undefined;
    const gotBytes = new Promise<void>((r) => { received = r; });
    // The first request sends 1000 bytes and then stalls (a slow mirror); the CLI is interrupted then.
    file('/ctrlc/test_train_splits.rar', a.splits, [(req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(a.splits.length) });
      res.write(a.splits.subarray(0, 1000), () => setTimeout(received, 300));
    }]);
    const out = tempDir('hmdb');
    const run = cli(['--out', out, '--what', 'splits', '--no-progress', '--base-url', `${base}/ctrlc`], {}, (p) => { pid = p; });
    await gotBytes;
    process.kill(pid, 'SIGINT');
    const r = await run;
    expect(r.code).toBe(130);
    expect(r.stderr).toContain('download: interrupted; run the same command again to resume');
    expect(readFileSync(join(out, 'archives/test_train_splits.rar.partial')).equals(a.splits.subarray(0, 1000))).toBe(true);

    const again = await cli(['--out', out, '--what', 'splits', '--no-progress', '--base-url', `${base}/ctrlc`]);
    expect(again.code).toBe(0);
    expect(hitsOf('/ctrlc/test_train_splits.rar').map((h) => h.range)).toEqual([undefined, 'bytes=1000-']);
    expect(again.stderr).toContain(`test_train_splits.rar: ${a.splits.length} bytes from ${base}/ctrlc/test_train_splits.rar (resumed)`);
    expect(readFileSync(join(out, 'splits/testTrainMulti_7030_splits/clap_test_split1.txt')).equals(lists[0].data)).toBe(true);
  });
});
