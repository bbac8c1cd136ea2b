// The packages only the models' image decoding and the video pipeline use are optional peer
// dependencies: an app that imports only the engine installs none of them. So importing webgrad's
// entries must load none of them, its published types must not name them, and a feature that needs a
// missing one says which, what for, and how to install it.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  checkInstalled, importOptional, MissingPackageError, OPTIONAL_PACKAGES, requireOptional, type OptionalPackageName,
} from '../../models/optional-package.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const OPTIONAL = Object.keys(OPTIONAL_PACKAGES) as OptionalPackageName[];
const NOWHERE = 'webgrad-test-no-such-package' as OptionalPackageName;

describe('package.json', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, Record<string, unknown>>;

  it('depends only on webgpu and its types; the rest are optional peers, pinned as the loader names them, and dev dependencies', () => {
    expect(Object.keys(pkg.dependencies).sort()).toEqual(['@webgpu/types', 'webgpu']);
    expect(pkg.peerDependencies).toEqual(OPTIONAL_PACKAGES);
    for (const name of OPTIONAL) {
      expect(pkg.peerDependenciesMeta[name], name).toEqual({ optional: true });
      expect(pkg.devDependencies[name], name).toBe(OPTIONAL_PACKAGES[name]);
    }
  });
});

describe('the optional-package loader', () => {
  const say = (names: string, install: string, one: boolean) =>
    `webgrad: testing the loader needs the npm package${one ? '' : 's'} ${names} (npm install ${install}); ` +
    `${one ? 'it is an optional peer dependency' : 'they are optional peer dependencies'}, ` +
    `so apps that use only the engine don't install ${one ? 'it' : 'them'}`;

  it('names the package, its exact version, the purpose and the command', () => {
    expect(new MissingPackageError(['sharp'], 'decoding JPEG frames').message).toBe(
      'webgrad: decoding JPEG frames needs the npm package sharp (npm install sharp@0.35.5); ' +
      "it is an optional peer dependency, so apps that use only the engine don't install it");
  });

  it('says so when a package cannot be resolved, through import and require alike', async () => {
    const expected = say(NOWHERE, NOWHERE, true);
    await expect(importOptional(NOWHERE, 'testing the loader')).rejects.toThrow(expected);
    await expect(importOptional(NOWHERE, 'testing the loader')).rejects.toBeInstanceOf(MissingPackageError);
    expect(() => requireOptional(NOWHERE, 'testing the loader')).toThrow(expected);
  });

  it('names every missing package of a group in one error, and only those', () => {
    let error: unknown;
    try {
      checkInstalled(['vega', NOWHERE, 'sharp', `${NOWHERE}-2` as OptionalPackageName], 'testing the loader');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MissingPackageError);
    expect((error as MissingPackageError).packages).toEqual([NOWHERE, `${NOWHERE}-2`]);
    expect((error as Error).message).toBe(say(`${NOWHERE} and ${NOWHERE}-2`, `${NOWHERE} ${NOWHERE}-2`, false));
    expect(() => checkInstalled(OPTIONAL, 'testing the loader')).not.toThrow();
  });

  it("is engine-free, so the pipeline's data half and the plots can use it: it imports only Node's own modules", () => {
    const src = readFileSync(join(root, 'models', 'optional-package.ts'), 'utf8');
    const imports = [...src.matchAll(/^import\s[^;]*?from\s+'([^']+)'/gm)].map((m) => m[1]);
    expect(imports.length).toBeGreaterThan(0);
    expect(imports.filter((m) => !m.startsWith('node:'))).toEqual([]);
  });

  it('loads every optional package a clone installs, ESM-only ones (vega) included', async () => {
    for (const name of OPTIONAL) {
      const module = await importOptional<Record<string, unknown>>(name, 'testing the loader');
      expect(Object.keys(module).length, name).toBeGreaterThan(0);
      expect(await importOptional(name, 'testing the loader'), name).toBe(module);
    }
    for (const name of ['jpeg-js', 'mp4box', '@ffmpeg-installer/ffmpeg'] as const) {
      expect(requireOptional<object>(name, 'testing the loader'), name).toBeTypeOf('object');
    }
  });
});

// Runs `code` (an ES module) in a fresh node where resolving any optional package, by import or by
// require, throws instead.
function withoutOptionalPackages(code: string): { status: number | null; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'webgrad-optional-'));
  const hooks = join(dir, 'hooks.mjs');
  const preload = join(dir, 'preload.mjs');
  const names = JSON.stringify(OPTIONAL);
  const forbidden = `(s) => ${names}.some((n) => s === n || s.startsWith(n + '/'))`;
  writeFileSync(hooks, `
const forbidden = ${forbidden};
export async function resolve(specifier, context, next) {
  if (forbidden(specifier)) throw new Error('optional package imported: ' + specifier + ' from ' + context.parentURL);
  return next(specifier, context);
}
`);
  writeFileSync(preload, `
import Module, { register } from 'node:module';
const forbidden = ${forbidden};
register(${JSON.stringify(new URL(`file://${hooks}`).href)});
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
  if (forbidden(request)) throw new Error('optional package required: ' + request + ' from ' + parent?.filename);
  return resolveFilename.call(this, request, parent, ...rest);
};
`);
  const r = spawnSync(process.execPath, ['--import', preload, '--input-type=module', '-e', code], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, output: r.stdout + r.stderr };
}

describe('an app that uses only some of webgrad', () => {
  it('(self-check) is stopped when anything loads an optional package, by import or by require', () => {
    const imported = withoutOptionalPackages(`await import('sharp');`);
    expect(imported.status).not.toBe(0);
    expect(imported.output).toContain('optional package imported: sharp');
    const required = withoutOptionalPackages(`import { createRequire } from 'node:module'; createRequire(import.meta.url)('jpeg-js');`);
    expect(required.status).not.toBe(0);
    expect(required.output).toContain('optional package required: jpeg-js');
  });

  // the built entries by their published names (a package may import itself by name)
  for (const entry of ['webgrad', 'webgrad/models', 'webgrad/pipeline']) {
    it(`imports ${entry} without loading any optional package`, () => {
      const r = withoutOptionalPackages(`await import('${entry}'); console.log('loaded'); process.exit(0);`);
      expect(r.output).toContain('loaded');
      expect(r.status, r.output).toBe(0);
    });
  }

  it('gets published .d.ts files that name none of the optional packages', () => {
    const dist = join(root, 'dist');
    const files = (readdirSync(dist, { recursive: true, encoding: 'utf8' })).filter((f) => f.endsWith('.d.ts'));
    expect(files).toContain(join('pipeline', 'train', 'plots', 'render.d.ts'));
    const names = OPTIONAL.map((n) => n.replace(/[/.]/g, '\\$&')).join('|');
    const reference = new RegExp(`(from\\s*|import\\(\\s*|require\\(\\s*)['"](${names})(/[^'"]*)?['"]`);
    const offending = files.flatMap((f) => readFileSync(join(dist, f), 'utf8').split('\n')
      .filter((line) => reference.test(line))
      .map((line) => `${relative(root, join(dist, f))}: ${line.trim()}`));
    expect(offending).toEqual([]);
  });
});
