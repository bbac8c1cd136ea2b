// Bundles the browser bench page (page.ts) with esbuild into a temporary folder beside an
// index.html, ready to serve. Two things differ from bundling a test page:
//  - models/ is bundled from source, so package.json's "browser" map (which swaps the Node-only
//    weights cache and image decoder for their browser halves in dist/) is applied to the sources
//    here, as an app's bundler applies it to the published package.
//  - the page reuses the TF.js ResNet18 builder of bench/workloads/models.ts, a file that also
//    runs PyTorch through node:child_process. Its Node built-ins resolve to side-effect-free stubs
//    that tree shaking drops, since the page never calls that half; `reachedStubs` lists any that
//    survived into the output (test/bench/browser-bundle.test.ts expects none). Any other Node
//    built-in fails the build.

import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'esbuild';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const benchPageEntry = join(repoRoot, 'bench', 'browser', 'page.ts');

/** The only sources whose Node built-ins may be stubbed (their Node-only code is never called by the page). */
const NODE_HALF_ALLOWED = new Set([join(repoRoot, 'bench', 'workloads', 'models.ts')]);
const STUB_NAMESPACE = 'bench-node-stub';

/** package.json's "browser" map, from dist/*.js to the matching sources (*.ts). */
function browserMapForSources(): Map<string, string> {
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { browser?: Record<string, string> };
  const toSource = (p: string) => join(repoRoot, p.replace(/^\.\/dist\//, '').replace(/\.js$/, '.ts'));
  return new Map(Object.entries(pkg.browser ?? {}).map(([from, to]) => [toSource(from), toSource(to)]));
}

function benchPagePlugin(): Plugin {
  const browserMap = browserMapForSources();
  return {
    name: 'bench-page',
    setup(build) {
      build.onResolve({ filter: /^\.\.?\/.*\.js$/ }, (args) => {
        const swapped = browserMap.get(resolve(dirname(args.importer), args.path).replace(/\.js$/, '.ts'));
        return swapped ? { path: swapped } : undefined;
      });
      build.onResolve({ filter: /^node:/ }, (args) => (NODE_HALF_ALLOWED.has(args.importer)
        ? { path: args.path, namespace: STUB_NAMESPACE, sideEffects: false }
        : undefined)); // esbuild's own error: a Node built-in reached the page
      build.onLoad({ filter: /.*/, namespace: STUB_NAMESPACE }, async (args) => {
        const names = Object.keys(await import(args.path)).filter((n) => n !== 'default' && /^[A-Za-z_$][\w$]*$/.test(n));
        const nodeOnly = `() => { throw new Error('${args.path} is Node-only: the bench page reached the Node half of bench/workloads/models.ts'); }`;
        return { contents: names.map((n) => `export const ${n} = ${nodeOnly};`).join('\n'), loader: 'js' };
      });
    },
  };
}

export interface BundledBenchPage {
  /** The folder holding index.html and page.js; serve it. */
  dir: string;
  /** Bytes of page.js. */
  bytes: number;
  /** Node built-in stubs left in the output (none expected: the page never calls Node code). */
  reachedStubs: string[];
  remove(): Promise<void>;
}

export async function bundleBenchPage(): Promise<BundledBenchPage> {
  const esbuild = await import('esbuild');
  const dir = await mkdtemp(join(tmpdir(), 'webgrad-bench-browser-'));
  try {
    const result = await esbuild.build({
      entryPoints: [benchPageEntry], outfile: join(dir, 'page.js'), bundle: true, format: 'esm', platform: 'browser',
      target: 'es2022', // top-level await: webgrad's entry creates the device on import
      metafile: true, logLevel: 'silent', plugins: [benchPagePlugin()],
    });
    const [output] = Object.values(result.metafile.outputs);
    await writeFile(join(dir, 'index.html'),
      '<!doctype html>\n<meta charset="utf-8">\n<link rel="icon" href="data:,">\n<title>webgrad browser bench</title>\n' +
      '<pre id="log"></pre>\n<script type="module" src="page.js"></script>\n');
    return {
      dir,
      bytes: output!.bytes,
      reachedStubs: Object.keys(output!.inputs).filter((i) => i.startsWith(`${STUB_NAMESPACE}:`)),
      remove: () => rm(dir, { recursive: true, force: true }),
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    const errors = (error as { errors?: Array<{ text: string; location?: { file: string } | null }> }).errors;
    if (!errors) throw error;
    throw new Error(`bench: esbuild cannot bundle ${benchPageEntry} for the browser:\n${errors.map((e) => `  ${e.location?.file ?? '?'}: ${e.text}`).join('\n')}`);
  }
}
