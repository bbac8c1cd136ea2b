// `webgrad` and `webgrad/models` bundled for browsers by esbuild, as an app's bundler would: from the
// built dist/ (the global setup rebuilds it), resolved through package.json's exports, with no
// configuration. The bundle must build, must hold no import of a Node built-in, of Dawn (`webgpu`)
// or of sharp — those modules are imported through variables, and only in Node — and must carry
// every WGSL family of shaders/ byte for byte (engine/kernels/shaders.generated.ts), since a
// bundler would not copy a folder of .wgsl files.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Node built-ins that files outside the browser work of issue 11 still import where a bundler sees
 * them, by importing file: each makes esbuild (and webpack) fail for the browser, so the test marks
 * exactly these external and checks the list stays exact — a fixed file must leave it, a new one
 * fails the test. `kind` is when the import runs: 'dynamic' only when called (files.ts reads a path
 * argument), 'static' at module load, which breaks the page. The fix is what engine/tensor/memory.ts
 * and engine/device/device.ts do: a variable specifier, imported only in Node.
 */
const PENDING: Record<string, { kind: 'dynamic' | 'static'; modules: string[] }> = {};

const NODE_ONLY = /^(node:|webgpu$|webgpu\/|sharp$|sharp\/)/;

interface Bundled {
  text: string;
  inputs: string[];
  /** Imports left in the output: `importer → module (kind)`. */
  leftImports: string[];
  /** The PENDING imports the bundle met, as `importer → module`. */
  pendingMet: string[];
}

async function bundle(entry: string): Promise<Bundled> {
  const pendingMet = new Set<string>();
  const result = await esbuild.build({
    stdin: { contents: `export * from '${entry}';`, resolveDir: root, sourcefile: 'app.js' },
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022', // top-level await: webgrad's entry creates the device on import
    charset: 'utf8', // so the WGSL's text appears as JSON.stringify writes it
    write: false,
    outdir: join(root, 'scratch', 'bundle-test'),
    metafile: true,
    logLevel: 'silent',
    plugins: [{
      name: 'pending-node-imports',
      setup(build) {
        build.onResolve({ filter: NODE_ONLY }, (args) => {
          const importer = args.importer.startsWith(root) ? args.importer.slice(root.length) : args.importer;
          if (!PENDING[importer]?.modules.includes(args.path)) return undefined; // esbuild's own error follows
          pendingMet.add(`${importer} → ${args.path}`);
          return { path: args.path, external: true };
        });
      },
    }],
  });
  const [output] = Object.values(result.metafile.outputs);
  return {
    text: result.outputFiles.find((f) => f.path.endsWith('.js'))!.text,
    inputs: Object.keys(result.metafile.inputs),
    leftImports: output!.imports.map((i) => `${i.path} (${i.kind})`),
    pendingMet: [...pendingMet].sort(),
  };
}

/** esbuild's errors as one readable string (the build rejects with them). */
async function bundleOrExplain(entry: string): Promise<Bundled> {
  try {
    return await bundle(entry);
  } catch (error) {
    const errors = (error as { errors?: esbuild.Message[] }).errors;
    if (!errors) throw error;
    throw new Error(`esbuild cannot bundle ${entry} for the browser:\n` +
      errors.map((e) => `  ${e.location?.file ?? '?'}: ${e.text}`).join('\n'));
  }
}

const expectedPending = (files: string[]) => files.flatMap((f) => PENDING[f]!.modules.map((m) => `${f} → ${m}`)).sort();

function expectWgslInside(text: string): void {
  const families = readdirSync(join(root, 'shaders')).filter((f) => f.endsWith('.wgsl'));
  expect(families.length).toBeGreaterThan(10);
  for (const file of families) {
    expect(text.includes(JSON.stringify(readFileSync(join(root, 'shaders', file), 'utf8'))), `${file} in the bundle, unchanged`).toBe(true);
  }
}

function expectNoNodeOnlyModules(bundled: Bundled): void {
  // Neither Dawn, sharp nor the Node-only half of the device (dawn-stderr: node:fs, node:tty …) is bundled…
  expect(bundled.inputs.filter((i) => /node_modules\/(webgpu|sharp)\/|dawn-stderr/.test(i))).toEqual([]);
  // …nor left as an import the browser would resolve: only the pending ones remain.
  const literal = /\b(?:import|require)\s*\(\s*["'`]([^"'`]+)["'`]|\bfrom\s*["']([^"']+)["']/g;
  const left = [...bundled.text.matchAll(literal)].map((m) => (m[1] ?? m[2])!).filter((m) => NODE_ONLY.test(m));
  const pendingModules = new Set(bundled.pendingMet.map((p) => p.split(' → ')[1]!));
  expect(left.filter((m) => !pendingModules.has(m))).toEqual([]);
}

describe('a browser bundle made by esbuild from the published entries', () => {
  it("webgrad: builds with no Node built-in, webgpu or sharp import that can run, and every WGSL family inside", async () => {
    const bundled = await bundleOrExplain('webgrad');
    expect(bundled.inputs).toContain('dist/engine/kernels/shaders.generated.js');
    expectWgslInside(bundled.text);
    expectNoNodeOnlyModules(bundled);
    const engineFiles = Object.keys(PENDING).filter((f) => f.startsWith('dist/engine/'));
    expect(bundled.pendingMet, 'PENDING lists exactly what is left (remove what was fixed)').toEqual(expectedPending(engineFiles));
    // What is left runs only when called with a file path, never at load.
    expect(bundled.leftImports.filter((i) => !i.endsWith('(dynamic-import)'))).toEqual([]);
  });

  it('webgrad/models: builds with no webgpu or sharp import, every WGSL family inside, and only the listed Node imports left', async () => {
    const bundled = await bundleOrExplain('webgrad/models');
    expectWgslInside(bundled.text);
    expectNoNodeOnlyModules(bundled);
    expect(bundled.pendingMet, 'PENDING lists exactly what is left (remove what was fixed)').toEqual(expectedPending(Object.keys(PENDING)));
    const staticLeft = bundled.leftImports.filter((i) => !i.endsWith('(dynamic-import)'));
    const staticPending = Object.values(PENDING).filter((p) => p.kind === 'static').flatMap((p) => p.modules);
    expect(staticLeft.filter((i) => !staticPending.includes(i.replace(/ \(.*$/, '')))).toEqual([]);
  });
});
