import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withoutLimitWarnings } from '../../engine/device/dawn-stderr.js';
import * as wg from '../../engine/index.js';
import { dispatch, kernel } from '../../engine/kernels/runtime.js';
import { setupGpu } from '../helpers/gpu.js';

beforeAll(setupGpu);

it('a WGSL compile error surfaces at the next synchronize, naming the kernel and the line', async () => {
  const broken = kernel({
    key: 'test:broken-on-purpose',
    inputs: 0,
    outputs: 1,
    wgsl: () => [
      '@group(0) @binding(0) var<uniform> P: vec4<u32>;',
      '@group(0) @binding(1) var<storage, read_write> out: array<f32>;',
      '@compute @workgroup_size(1) fn main() { out[0] = undefined_function(1.0); }',
    ].join('\n'),
  });
  const target = wg.zeros([4]);
  dispatch(broken, [{ buffer: target.storage.buffer }], { u32: [0] }, [1]);
  await expect(wg.synchronize()).rejects.toThrow(/kernel 'test:broken-on-purpose' does not compile:[\s\S]*undefined_function/);
  // The engine keeps working afterwards.
  expect(await wg.tensor([1, 2]).add(1).toArray()).toEqual([2, 3]);
});

it('tidy refuses async functions', () => {
  expect(() => wg.tidy(() => Promise.resolve(1) as unknown as number)).toThrow(/tidy: the function returned a Promise/);
});

it('integer tensors cannot require grad', () => {
  expect(() => wg.zeros([2], 'int32', { requiresGrad: true })).toThrow(/only floating-point tensors can require gradients/);
});

it('crossEntropy explains bad targets', () => {
  const logits = wg.zeros([4, 3]);
  expect(() => wg.crossEntropy(logits, wg.zeros([4]))).toThrow(/crossEntropy: target must hold class indices as int32/);
  expect(() => wg.crossEntropy(logits, wg.zeros([5], 'int32'))).toThrow(/logits \[4,3\] need a target of shape \[4\], got \[5\]/);
});

it('without a WebGPU adapter the first op says what to install', async () => {
  const { execFileSync } = await import('node:child_process');
  const script = "const wg = await import('webgrad'); try { wg.zeros([2]); } catch (e) { console.log(e.message); } process.exit(0);";
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: new URL('../..', import.meta.url),
    env: { ...process.env, VK_ICD_FILENAMES: '/nonexistent.json', VK_DRIVER_FILES: '/nonexistent.json' },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  expect(output).toMatch(/no WebGPU adapter found.*npx webgrad-setup.*npm run setup.*mesa-vulkan-drivers/s);
});

// Child processes running the engine's sources (through tsx), so their stdout/stderr can be read:
// native writes to fds 1 and 2 cannot be captured in-process.
describe('stderr and stdout show only what webgrad means to say', () => {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const tsx = join(root, 'node_modules/tsx/dist/cli.mjs');
  const dir = mkdtempSync(join(tmpdir(), 'webgrad-quiet-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const script = (name: string, body: string) => {
    const file = join(dir, name);
    writeFileSync(file, `import * as wg from ${JSON.stringify(join(root, 'engine/index.ts'))};\n${body}`);
    return file;
  };
  const limitWarning = /artificially reduced from \d+ to 16/;

  it('Dawn\'s limit warnings are dropped, anything else it prints is kept', () => {
    const warnings = ['Uniform', 'Storage'].map((k) =>
      `Warning: maxDynamic${k}BuffersPerPipelineLayout artificially reduced from 1000000 to 16 to fit dynamic offset allocation limit.`);
    expect(withoutLimitWarnings(`${warnings.join('\n')}\n`)).toBe('');
    expect(withoutLimitWarnings(`${warnings[0]}\nERROR: [Loader Message] broken ICD\n${warnings[1]}\r\n`)).toBe('ERROR: [Loader Message] broken ICD\n');
  });

  it.skipIf(process.platform !== 'linux' || !existsSync('/usr/bin/script'))('on a terminal, creating the device prints nothing', () => {
    const file = script('init.mts', "await wg.init(); console.log('sum=' + await wg.tensor([1, 2, 3]).sum().item());");
    // Without a terminal Dawn's output is left alone: on adapters that print the warning this
    // shows the terminal run below has something to remove.
    const plain = spawnSync(process.execPath, [tsx, file], { cwd: root, encoding: 'utf8' });
    expect(plain.stdout).toContain('sum=6');
    // `script` gives the child a pseudo-terminal as stdin/stdout/stderr, as a user's shell would.
    const onTerminal = execFileSync('/usr/bin/script', ['-qec', `${process.execPath} ${tsx} ${file}`, '/dev/null'], { cwd: root, encoding: 'utf8' });
    expect(onTerminal.replace(/\x1b\[[0-9;]*m/g, '').trim()).toBe('sum=6');
    if (limitWarning.test(plain.stderr)) expect(onTerminal).not.toMatch(limitWarning);
  });

  it('an expected validation error is thrown by webgrad, not dumped by Dawn on stdout', () => {
    const file = script('invalid.mts', `
import { dispatch, kernel } from ${JSON.stringify(join(root, 'engine/kernels/runtime.ts'))};
await wg.init();
const broken = kernel({ key: 'test:broken-on-purpose', inputs: 0, outputs: 1, wgsl: () =>
  '@group(0) @binding(0) var<uniform> P: vec4<u32>; @group(0) @binding(1) var<storage, read_write> out: array<f32>; ' +
  '@compute @workgroup_size(1) fn main() { out[0] = undefined_function(1.0); }' });
const target = wg.zeros([4]);
dispatch(broken, [{ buffer: target.storage.buffer }], { u32: [0] }, [1]);
try { await wg.synchronize(); } catch (e) { console.log('thrown: ' + String((e as Error).message).split('\\n')[0]); }
`);
    const run = spawnSync(process.execPath, [tsx, file], { cwd: root, encoding: 'utf8' });
    expect(run.stdout.trim()).toBe("thrown: webgrad: WGSL for kernel 'test:broken-on-purpose' does not compile:");
    expect(run.stderr.replace(new RegExp(`^.*${limitWarning.source}.*\n`, 'gm'), '')).toBe('');
  });
});
