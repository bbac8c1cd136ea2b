// The engine's PyTorch fixtures (every file of test/fixtures/{core,conv,nn}, forward and every
// input gradient, the same tolerances) in headless Chromium's WebGPU: fixture-page.ts is bundled
// for the browser, runs each file's cases through the same runner and comparison as Node's tests
// (test/helpers/fixture-case.ts) and hands back one result per case, which is asserted here under
// the case's name. Plus the harness's self-check, run in the page.
//
// Measured on the 2-core machine (SwiftShader): all 394 cases in about 10 s alone, 15-30 s beside
// other test files; 2.5 s to bundle, launch and reach the adapter. The slowest case is
// conv2d/3x3_pad1 (1.4 s: the first conv2d compiles its pipelines). No case is left out.

import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CaseResult, fixtureFiles } from '../helpers/fixture-case.js';
import { loadFixture } from '../helpers/fixtures.js';
import { type BundledPage, bundlePage, launchChromium, type OpenedPage, openPage, repoRoot, serveFolders, type StaticServer } from './browser.js';

let browser: Browser | undefined;
let server: StaticServer | undefined;
let bundle: BundledPage | undefined;
let opened: OpenedPage;

beforeAll(async () => {
  bundle = await bundlePage(`${repoRoot}test/browser/fixture-page.ts`, 'webgrad fixtures');
  server = await serveFolders({ '/': bundle.dir, '/fixtures/': `${repoRoot}test/fixtures` });
  browser = await launchChromium();
  opened = await openPage(browser, server.url);
  await opened.page.waitForFunction(() => document.body.dataset.state !== undefined, undefined, { timeout: 60_000 });
  const failure = await opened.page.evaluate(() => window.__fixturesError);
  if (failure !== undefined) throw new Error(`the fixture page failed to start: ${failure}\n${opened.errors.join('\n')}`);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await bundle?.remove();
});

it('runs on a WebGPU adapter', async () => {
  const name = await opened.page.evaluate(() => window.__fixtures!.adapterName);
  // SwiftShader on CI ("google swiftshader"); a real GPU where Chromium finds one.
  expect(name).not.toBe('unknown adapter');
});

for (const file of fixtureFiles) {
  const [dir, family] = file.split('/') as [string, string];
  describe(`${file} in Chromium vs PyTorch`, () => {
    const results = new Map<string, CaseResult>();
    beforeAll(async () => {
      for (const r of await opened.page.evaluate((f) => window.__fixtures!.run(f), file)) results.set(r.name, r);
    }, 300_000);
    for (const c of loadFixture(family, dir)) {
      it(c.name, () => {
        const r = results.get(c.name);
        if (!r) throw new Error(`${c.name}: the page returned no result`);
        if (!r.ok) throw new Error([...r.failures, ...(r.error?.stack ? [`in the page: ${r.error.stack}`] : [])].join('\n'));
      });
    }
  });
}

describe('the harness itself, in Chromium', () => {
  it('fails on a forward value off by 1e-3', async () => {
    const r = await opened.page.evaluate(() => window.__fixtures!.runPerturbed('core/elementwise', 'outputs'));
    expect(r.ok).toBe(false);
    expect(r.failures.join('\n')).toMatch(/output 0: element 0/);
  });
  it('fails on a gradient off by 1e-3', async () => {
    const r = await opened.page.evaluate(() => window.__fixtures!.runPerturbed('core/matmul', 'grads'));
    expect(r.ok).toBe(false);
    expect(r.failures.join('\n')).toMatch(/grad \d: element 0/);
  });
});

it('left no error on the page (console, uncaught, failed requests)', () => {
  expect(opened.errors).toEqual([]);
});
