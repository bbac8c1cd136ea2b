// The README's page example (examples/browser/) in headless Chromium: bundled by esbuild the way its
// header says (resolving `webgrad` through package.json's exports to the built dist/), served with
// its index.html, and run on SwiftShader. Its printed losses must fall by at least 10x and it must
// name the adapter: the example runs, and trains.

import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchChromium, type OpenedPage, openPage, repoRoot, serveFolders, type StaticServer } from './browser.js';

const example = join(repoRoot, 'examples', 'browser');
let dir: string;
let browser: Browser | undefined;
let server: StaticServer | undefined;
let opened: OpenedPage;
let log: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'webgrad-example-page-'));
  await esbuild.build({
    entryPoints: [join(example, 'main.js')], outfile: join(dir, 'main.bundle.js'), bundle: true, format: 'esm',
    platform: 'browser', target: 'es2022', logLevel: 'error', absWorkingDir: repoRoot,
  });
  await copyFile(join(example, 'index.html'), join(dir, 'index.html'));
  server = await serveFolders({ '/': dir });
  browser = await launchChromium();
  opened = await openPage(browser, server.url);
  await opened.page.waitForFunction(() => document.querySelector('#log')?.textContent?.includes('trained on'), undefined, { timeout: 120_000 });
  log = (await opened.page.locator('#log').textContent()) ?? '';
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

it('trains: the printed loss falls at least 10x, on a named adapter', () => {
  const losses = [...log.matchAll(/step (\d+): loss ([\d.]+)/g)].map((m) => Number(m[2]));
  expect(losses.length, log).toBe(4);
  expect(losses.at(-1)! * 10, log).toBeLessThan(losses[0]!);
  expect(log).toMatch(/trained on \S+/);
});

it('left no error on the page (console, uncaught, failed requests)', () => {
  expect(opened.errors).toEqual([]);
});
