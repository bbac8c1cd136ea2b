// "Train in the browser" end to end, through the commands a user runs: `npm run web` builds the page and
// serves it (its printed URL is what the test opens), #train trains the demo's task in headless Chromium
// on SwiftShader (the software defaults: 3 classes x 12 clips at 16 px, 30 epochs, frozen random
// ResNet18), and the page must report a validation accuracy clearly above chance (1/3) and offer the
// weights as a .pt that Node's loadTorch reads into a Resnt18Rnn of the same shape. About 3 minutes on the
// 2-core machine, almost all of it ResNet18's features on SwiftShader.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadTorch } from '../../engine/index.js';
import { Resnt18Rnn } from '../../models/index.js';
import { setupGpu } from '../helpers/gpu.js';
import { launchChromium, type OpenedPage, openPage, repoRoot } from './browser.js';

let dir: string;
let browser: Browser | undefined;
let web: ChildProcess | undefined;
let url: string;
let opened: OpenedPage;
let result: Record<string, string | undefined>;

/** `npm run web -- --port 0 --out DIR`, resolved with the URL it prints. */
function startWeb(out: string): Promise<string> {
  return new Promise((resolve, reject) => {
    web = spawn('npm', ['run', '--silent', 'web', '--', '--port', '0', '--out', out], { cwd: repoRoot, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let printed = '';
    const onData = (chunk: Buffer) => {
      printed += chunk.toString();
      const found = /webgrad page: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(printed);
      if (found) resolve(found[1]!);
    };
    web.stdout!.on('data', onData);
    web.stderr!.on('data', onData);
    web.once('exit', (code) => reject(new Error(`npm run web exited (${code}) before printing its URL:\n${printed}`)));
  });
}

beforeAll(async () => {
  await setupGpu();
  dir = await mkdtemp(join(tmpdir(), 'webgrad-page-train-'));
  url = await startWeb(join(dir, 'dist'));
  browser = await launchChromium();
  opened = await openPage(browser, url);
  const { page } = opened;
  await page.waitForFunction(() => document.body.dataset.gpu !== undefined, undefined, { timeout: 60_000 });
  await page.click('#train');
  await page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.trainState ?? ''), undefined, { timeout: 540_000, polling: 1000 });
  result = await page.evaluate(() => ({ state: document.body.dataset.trainState, error: document.getElementById('train-error')?.textContent ?? '', ...document.getElementById('train-result')!.dataset }));
}, 600_000);

afterAll(async () => {
  await browser?.close();
  if (web?.pid) process.kill(-web.pid, 'SIGTERM');
  if (dir) await rm(dir, { recursive: true, force: true });
});

it('npm run web serves the built page at the URL it prints', async () => {
  const html = await (await fetch(url)).text();
  expect(html).toContain('id="train"');
  expect(html).toContain('id="predictions"');
});

it('trains the demo task in the page to a validation accuracy clearly above chance', () => {
  if (result.state !== 'done') throw new Error(`training in the page ended in '${result.state}': ${result.error}`);
  const accuracy = Number(result.valAccuracy);
  console.log(`page training: validation accuracy ${accuracy} (chance 0.333), best epoch ${result.bestEpoch}, ${result.seconds} s (features ${result.featureSeconds} s, training ${result.trainingSeconds} s)`);
  expect(accuracy).toBeGreaterThanOrEqual(2 / 3);
});

it('offers the trained weights as a .pt that loads into a Resnt18Rnn of the same shape', async () => {
  const { page } = opened;
  const href = await page.getAttribute('#download-weights', 'href');
  expect(href).toMatch(/^blob:/);
  // as base64 (a data: URL): 46 MB as a JSON array of numbers would exhaust Node's heap
  const dataUrl = await page.evaluate(async (u) => {
    const blob = await (await fetch(u)).blob();
    return new Promise<string>((resolve, reject) => {
      const reader = new FileReader();
      reader.onload = () => resolve(reader.result as string);
      reader.onerror = () => reject(reader.error);
      reader.readAsDataURL(blob);
    });
  }, href!);
  const state = await loadTorch(new Uint8Array(Buffer.from(dataUrl.slice(dataUrl.indexOf(',') + 1), 'base64')));
  const model = new Resnt18Rnn({ numClasses: 3, pretrained: false });
  try {
    model.loadStateDict(state);
    expect((await model.fc1.weight.data()).some((v) => v !== 0)).toBe(true);
  } finally {
    model.dispose();
  }
});

it('left no error on the page (console, uncaught, failed requests)', () => {
  expect(opened.errors).toEqual([]);
});
