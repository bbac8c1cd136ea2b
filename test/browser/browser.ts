// Headless Chromium for the browser tests: Debian's chromium driven by playwright-core over CDP,
// WebGPU on SwiftShader (no GPU on CI), pages served from 127.0.0.1 by node:http, and test
// entries bundled by esbuild for the browser.
//
// WebGPU in headless Chromium 156 (Debian bookworm's) on a machine without a GPU: the page must be
// a secure context (http://127.0.0.1 is; about:blank and data: URLs are not, and navigator.gpu is
// then missing) and --enable-unsafe-webgpu must be given — without it requestAdapter() returns
// null, since the only adapter is SwiftShader's, a fallback adapter Chromium hides by default.
// Nothing else is needed: --enable-features=Vulkan, --use-webgpu-adapter=swiftshader and
// --use-angle=swiftshader each change nothing (the same adapter, measured), so they are left out.
// The adapter: vendor "google", architecture "swiftshader", isFallbackAdapter true ("SwiftShader
// Device (Subzero)" with --enable-webgpu-developer-features). Mesa's lavapipe, which Node's
// Dawn uses, is not offered to Chromium's WebGPU (tried --use-vulkan=native --ignore-gpu-blocklist).
// This machine refuses outside connections: background networking, component updates, sync and
// the first-run page are off so Chromium makes none.

import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** Debian's chromium package; WEBGRAD_CHROMIUM points elsewhere. */
export const chromiumPath = process.env.WEBGRAD_CHROMIUM ?? '/usr/bin/chromium';

export const chromiumArgs = [
  '--no-sandbox', '--disable-gpu-sandbox', '--enable-unsafe-webgpu',
  '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync',
];

const setupHint = 'run `npm run setup` (as root on Debian it installs the chromium package), or `apt-get install -y chromium`';

/** Launches headless Chromium with WebGPU; one per test file (a launch takes about a second). */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(chromiumPath)) throw new Error(`browser tests: no Chromium at ${chromiumPath}; ${setupHint} (or set WEBGRAD_CHROMIUM)`);
  let playwright: typeof import('playwright-core');
  try {
    playwright = await import('playwright-core');
  } catch {
    throw new Error('browser tests: the dev dependency playwright-core is not installed; run `npm run setup` (npm ci)');
  }
  return playwright.chromium.launch({ executablePath: chromiumPath, headless: true, args: chromiumArgs });
}

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json', '.css': 'text/css', '.wgsl': 'text/plain; charset=utf-8', '.map': 'application/json',
  '.mp4': 'video/mp4', '.avi': 'video/x-msvideo', '.png': 'image/png', '.jpg': 'image/jpeg', '.pt': 'application/octet-stream',
};

export interface StaticServer {
  /** http://127.0.0.1:<port>/ */
  url: string;
  close(): Promise<void>;
}

/**
 * Serves folders on 127.0.0.1 (an ephemeral port): `mounts` maps a URL prefix ('/', '/fixtures/')
 * to a folder; the longest matching prefix wins. GET and HEAD only; nothing outside a folder.
 */
export async function serveFolders(mounts: Record<string, string>): Promise<StaticServer> {
  const prefixes = Object.keys(mounts).sort((a, b) => b.length - a.length);
  const server = createServer((req, res) => {
    void (async () => {
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
      const prefix = prefixes.find((p) => path.startsWith(p));
      const root = prefix === undefined ? undefined : resolve(mounts[prefix]!);
      let file = root === undefined ? undefined : resolve(root, `.${sep}${path.slice(prefix!.length)}`);
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'GET only');
      if (!file || (file !== root && !file.startsWith(root + sep))) return send(res, 404, 'not found');
      if ((await stat(file).catch(() => undefined))?.isDirectory()) file = join(file, 'index.html');
      const body = await readFile(file).catch(() => undefined);
      if (!body) return send(res, 404, 'not found');
      res.writeHead(200, { 'content-type': contentTypes[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    })().catch((error: unknown) => send(res, 500, String(error)));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise((ok) => {
      server.closeAllConnections();
      server.close(() => ok());
    }),
  };
}

function send(res: import('node:http').ServerResponse, status: number, text: string): void {
  if (res.headersSent) return void res.end();
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(text);
}

export interface OpenedPage {
  page: Page;
  /** Console errors, uncaught exceptions, failed requests and 4xx/5xx responses, in order, since the page opened. */
  errors: string[];
}

/** Opens `url` in a new page of `browser` and collects what went wrong on it. */
export async function openPage(browser: Browser, url: string): Promise<OpenedPage> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('console', (message) => {
    // A 4xx/5xx response is logged as "Failed to load resource" without its URL: 'response' below names it.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource: the server responded')) errors.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`uncaught: ${error.stack ?? error.message}`));
  page.on('requestfailed', (request) => errors.push(`request failed: ${request.url()} (${request.failure()?.errorText ?? '?'})`));
  page.on('response', (response) => {
    // Chromium asks for /favicon.ico by itself when a page names no icon; that 404 is no page's error.
    if (response.status() >= 400 && new URL(response.url()).pathname !== '/favicon.ico') errors.push(`HTTP ${response.status()}: ${response.url()}`);
  });
  await page.goto(url);
  return { page, errors };
}

export interface BundledPage {
  /** The folder holding index.html and page.js; serve it. */
  dir: string;
  remove(): Promise<void>;
}

/**
 * Bundles a TypeScript entry for the browser (esbuild, ESM, top-level await allowed) into a new
 * temporary folder beside an index.html that loads it as a module. Nothing is stubbed: the engine
 * bundles for browsers as it is (test/browser/bundle.test.ts checks that on its own), so a Node-only
 * import reaching the entry fails here too.
 */
export async function bundlePage(entry: string, title: string): Promise<BundledPage> {
  const esbuild = await import('esbuild');
  const dir = await mkdtemp(join(tmpdir(), 'webgrad-browser-'));
  await esbuild.build({
    entryPoints: [entry], outfile: join(dir, 'page.js'), bundle: true, format: 'esm', platform: 'browser',
    target: 'es2022', sourcemap: 'inline', logLevel: 'error',
  });
  await writeFile(join(dir, 'index.html'),
    // The empty icon keeps Chromium from asking for /favicon.ico (a 404 in the console).
    `<!doctype html>\n<meta charset="utf-8">\n<link rel="icon" href="data:,">\n<title>${title}</title>\n` +
    '<pre id="log"></pre>\n<script type="module" src="page.js"></script>\n');
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}
