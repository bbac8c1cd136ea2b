// The browser bench page (bench/browser/page.ts: webgrad, its ResNet18 and TF.js WebGPU in one page)
// bundles for the browser: esbuild succeeds (a Node built-in reaching the page fails the build, but
// for those of bench/workloads/models.ts's PyTorch half, which are stubbed) and no Node built-in, not
// even a stub, is left in the output. Only the bundle: the timings are `npm run bench -- --filter
// browser`'s, never a test's. About 1 s.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { bundleBenchPage } from '../../bench/browser/bundle.js';

it('the browser bench page bundles with no Node built-in left in it', async () => {
  const bundle = await bundleBenchPage();
  try {
    expect(bundle.reachedStubs, 'stubbed Node built-ins left after tree shaking').toEqual([]);
    const text = await readFile(join(bundle.dir, 'page.js'), 'utf8');
    const nodeImports = [...text.matchAll(/\b(?:import|require)\s*\(\s*["'`](node:[^"'`]+)["'`]|\bfrom\s*["'](node:[^"']+)["']/g)].map((m) => m[1] ?? m[2]);
    expect(nodeImports).toEqual([]);
    // Both libraries are inside: webgrad's WGSL (the generated module) and TF.js's WebGPU backend.
    expect(text).toContain('@compute');
    expect(text).toMatch(/registerBackend\(\s*"webgpu"/);
    expect(await readFile(join(bundle.dir, 'index.html'), 'utf8')).toContain('src="page.js"');
  } finally {
    await bundle.remove();
  }
}, 30_000);
