// The browser fixture page: the engine's PyTorch fixtures run in the browser through the same
// runner and comparison as Node's tests (test/helpers/fixture-case.ts). Bundled by esbuild and
// served with test/fixtures/ under /fixtures/ (fixtures.browser.test.ts); exposes
// window.__fixtures for the test to drive, and shows a summary of each file run in #log for a
// person who opens the page.

import { gpu, init } from '../../engine/index.js';
import { type CaseResult, type FixtureCase, fixtureFiles, perturbed, runCase } from '../helpers/fixture-case.js';

export interface FixturePageApi {
  /** What Chromium's WebGPU runs on, as webgrad describes the adapter. */
  adapterName: string;
  files: readonly string[];
  /** Runs every case of /fixtures/<file>.json except those named in `skip`, one after another. */
  run(file: string, skip?: string[]): Promise<CaseResult[]>;
  /** The harness's self-check: the first case of `file` with a wrong output or gradient value. */
  runPerturbed(file: string, where: 'outputs' | 'grads'): Promise<CaseResult>;
}

declare global {
  interface Window {
    __fixtures?: FixturePageApi;
    __fixturesError?: string;
  }
}

const log = (line: string) => {
  document.getElementById('log')!.textContent += `${line}\n`;
};

async function load(file: string): Promise<FixtureCase[]> {
  const response = await fetch(`/fixtures/${file}.json`);
  if (!response.ok) throw new Error(`fixture page: /fixtures/${file}.json: HTTP ${response.status}`);
  return ((await response.json()) as { cases: FixtureCase[] }).cases;
}

async function start(): Promise<void> {
  await init();
  const api: FixturePageApi = {
    adapterName: gpu().adapterName,
    files: fixtureFiles,
    async run(file, skip = []) {
      const results: CaseResult[] = [];
      const started = performance.now();
      for (const c of await load(file)) if (!skip.includes(c.name)) results.push(await runCase(c));
      const failed = results.filter((r) => !r.ok).length;
      log(`${file}: ${results.length - failed} passed, ${failed} failed (${Math.round(performance.now() - started)} ms)`);
      return results;
    },
    async runPerturbed(file, where) {
      return runCase(perturbed((await load(file))[0]!, where));
    },
  };
  log(`webgrad on ${api.adapterName}`);
  window.__fixtures = api;
  document.body.dataset.state = 'ready';
}

start().catch((error: unknown) => {
  window.__fixturesError = error instanceof Error ? `${error.message}\n${error.stack ?? ''}` : String(error);
  log(`failed: ${window.__fixturesError}`);
  document.body.dataset.state = 'error';
});
