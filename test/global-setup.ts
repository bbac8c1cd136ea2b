// Runs once before the suite: writes the shader module from shaders/*.wgsl and rebuilds dist/
// (incrementally, a few seconds when nothing changed), so the tests — those importing the sources
// and those importing the built package (the examples, `webgrad/models` by name) — never run
// stale code or stale WGSL; and keeps Dawn's per-process limit warnings out of the test output.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** Dawn prints these at every adapter discovery; in a terminal webgrad hides them, vitest's worker pipes it can't. */
const DAWN_LIMIT_WARNING = /^Warning: maxDynamic(?:Uniform|Storage)BuffersPerPipelineLayout artificially reduced from \d+ to \d+ to fit dynamic offset allocation limit\.\r?\n/gm;

function dropDawnWarnings(stream: NodeJS.WriteStream): void {
  const write = stream.write.bind(stream) as (chunk: string | Uint8Array, ...rest: unknown[]) => boolean;
  stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    const kept = text.replace(DAWN_LIMIT_WARNING, '');
    return kept ? write(kept, ...rest) : true;
  }) as typeof stream.write;
}

export default function setup(): void {
  dropDawnWarnings(process.stdout);
  dropDawnWarnings(process.stderr);
  const root = fileURLToPath(new URL('..', import.meta.url));
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, ['scripts/generate-shaders.mjs'], { cwd: root, stdio: 'inherit' });
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
}
