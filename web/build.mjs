// Builds the page into web/dist: web/src/main.ts bundled for browsers by esbuild (one ES module with
// top-level await, as webgrad's entry initialises the GPU on import), beside index.html and style.css.
// The folder is static: any file server can serve it (`node web/serve.mjs` builds and serves it).
//
//   node web/build.mjs [--out DIR] [--no-minify]
//
// Node's built-in modules are replaced by stubs whose functions throw when called. Parts of models/
// and pipeline/ that the page imports (Resnt18Rnn → its pretrained-weights cache, the demo's split
// and seeds) also hold Node code paths the page never runs; the stubs let the bundle keep those
// modules whole without shipping or resolving node:fs and friends. A stub that is called names itself,
// so a page that strays into Node-only code says where.

import { builtinModules } from 'node:module';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { spawnSync } from 'node:child_process';

const webDir = dirname(fileURLToPath(import.meta.url));
const root = dirname(webDir);

const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

// Exports a stub must give a working value at module load (called at the top level of an imported file).
const loadTimeValues = {
  module: {
    createRequire: `function createRequire() {
      const require = (id) => { throw new Error('require(' + JSON.stringify(id) + ') is Node-only; the page does not load Node packages'); };
      require.resolve = (id) => { const e = new Error('Cannot resolve ' + id + ' in a browser'); e.code = 'MODULE_NOT_FOUND'; throw e; };
      return require;
    }`,
  },
};

/** esbuild plugin: every Node built-in becomes a module of throwing functions with the real export names. */
const nodeBuiltinStubs = {
  name: 'node-builtin-stubs',
  setup(build) {
    build.onResolve({ filter: /^[a-z_:/]+$/ }, (args) => (builtins.has(args.path)
      ? { path: args.path.replace(/^node:/, ''), namespace: 'node-stub' }
      : undefined));
    build.onLoad({ filter: /.*/, namespace: 'node-stub' }, async (args) => {
      const name = args.path;
      const real = await import(`node:${name}`);
      const special = loadTimeValues[name] ?? {};
      const names = Object.keys(real).filter((n) => n !== 'default' && /^[A-Za-z_$][\w$]*$/.test(n));
      const lines = [
        `const nodeOnly = (what) => function () { throw new Error('node:${name}.' + what + ' is Node-only: the page reached code meant for Node'); };`,
        ...names.map((n) => `export const ${n} = ${special[n] ?? `nodeOnly(${JSON.stringify(n)})`};`),
        `export default { ${names.join(', ')} };`,
      ];
      return { contents: lines.join('\n'), loader: 'js' };
    });
  },
};

/** Whether the engine still fetches shaders/*.wgsl at init (before they became a generated module). */
function engineFetchesShaders() {
  const source = readFileSync(join(root, 'engine', 'kernels', 'shader-source.ts'), 'utf8');
  return !source.includes('shaders.generated');
}

export async function buildWeb({ out = join(webDir, 'dist'), minify = true, log = console.log } = {}) {
  const esbuild = await import('esbuild');
  const started = performance.now();
  // The engine's kernels as a module (scripts/generate-shaders.mjs), when the checkout has that step.
  const generator = join(root, 'scripts', 'generate-shaders.mjs');
  if (existsSync(generator)) {
    const run = spawnSync(process.execPath, [generator], { stdio: 'inherit' });
    if (run.status !== 0) throw new Error(`build:web: ${relative(root, generator)} failed (exit ${run.status})`);
  }
  const fetchesShaders = engineFetchesShaders();
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const result = await esbuild.build({
    entryPoints: { main: join(webDir, 'src', 'main.ts') },
    outdir: out,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    // WebGPU, WebCodecs and top-level await: Chrome/Edge 113+, Safari 26, Firefox 141
    target: ['chrome113', 'firefox141', 'safari26'],
    minify,
    sourcemap: 'linked',
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
    plugins: [nodeBuiltinStubs],
    define: { WEBGRAD_PAGE_SHADERS: JSON.stringify(fetchesShaders ? 'shaders/' : '') },
  });
  for (const file of ['index.html', 'style.css']) copyFileSync(join(webDir, file), join(out, file));
  if (fetchesShaders) {
    // The engine fetches ../../shaders/<family>.wgsl next to the bundle; served from the folder's root
    // that resolves to /shaders/. main.ts also passes the URL explicitly.
    mkdirSync(join(out, 'shaders'));
    for (const f of readdirSync(join(root, 'shaders')).filter((n) => n.endsWith('.wgsl'))) copyFileSync(join(root, 'shaders', f), join(out, 'shaders', f));
  }
  const bytes = Object.entries(result.metafile.outputs).filter(([p]) => p.endsWith('.js')).reduce((s, [, o]) => s + o.bytes, 0);
  log(`build:web: ${relative(process.cwd(), out) || '.'} in ${((performance.now() - started) / 1000).toFixed(1)} s (main.js ${(bytes / 1024).toFixed(0)} KiB${minify ? ', minified' : ''})`);
  return { out, metafile: result.metafile };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const outAt = args.indexOf('--out');
  try {
    await buildWeb({ out: outAt >= 0 ? args[outAt + 1] : undefined, minify: !args.includes('--no-minify') });
  } catch (e) {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  }
}
