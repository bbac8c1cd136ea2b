// Which init() decides the device (engine/init.ts): importing webgrad makes a provisional device
// with the defaults; the first init() that chooses a device, powerPreference or shaderBaseUrl
// replaces it while no tensor op has run; after that, a different choice is an error that says
// which call won and what to do. Each describe imports a fresh webgrad (vi.resetModules), as a
// new program would.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

type Webgrad = typeof import('../../engine/index.js');

async function freshWebgrad(): Promise<Webgrad> {
  vi.resetModules();
  return import('../../engine/index.js');
}

// Dawn tears its devices down when the GPU object is garbage-collected: keep every one made here.
const instances: GPU[] = [];

/** A device the way a page makes its own: the `webgpu` package's GPU, the default limits. */
async function ownDevice(): Promise<GPUDevice> {
  const { create } = (await import('webgpu')) as { create: (flags: string[]) => GPU };
  const gpuApi = create([]);
  instances.push(gpuApi);
  const adapter = await gpuApi.requestAdapter();
  if (!adapter) throw new Error('init test: no WebGPU adapter');
  return adapter.requestDevice();
}

/** A small forward and backward pass: matmul, relu, sum and their gradients. */
async function smallStep(wg: Webgrad): Promise<number[]> {
  const w = wg.tensor([[1, -2], [3, 4]], { requiresGrad: true });
  wg.tensor([[1, 2], [3, 4]]).matmul(w).relu().sum().backward();
  return ((await w.grad!.toArray()) as number[][]).flat();
}
// relu(x·w) with x = [[1,2],[3,4]], w = [[1,-2],[3,4]]: all positive, so d/dw = xᵀ·ones.
const expectedGrad = [4, 4, 6, 6];

describe('init({ device }) before the first tensor op', () => {
  let wg: Webgrad;
  let device: GPUDevice;
  const pageHandler = () => undefined;

  beforeAll(async () => {
    wg = await freshWebgrad();
    device = await ownDevice();
    device.onuncapturederror = pageHandler;
  });

  it('replaces the automatic device: ops run on the given one, described by its adapter', async () => {
    expect(wg.isInitialised()).toBe(true); // the import's automatic device
    const ctx = await wg.init({ device });
    expect(ctx.device).toBe(device);
    expect(wg.gpu().device).toBe(device);
    expect(ctx.adapterName).toMatch(/\S.* \(user-supplied device\)$/);
    expect(await smallStep(wg)).toEqual(expectedGrad);
    expect(device.onuncapturederror, "the page's own error handler is left in place").toBe(pageHandler);
  });

  it('init() without options, or with the same device (and a memory budget), resolves to the same context', async () => {
    expect((await wg.init()).device).toBe(device);
    expect((await wg.init({ device, memoryBudget: 512 * 2 ** 20 })).device).toBe(device);
    expect(wg.memoryBudget()).toBe(512 * 2 ** 20);
    wg.setMemoryBudget(undefined);
  });

  it('a different device, powerPreference or shaderBaseUrl afterwards is an error naming the call that won', async () => {
    const other = await ownDevice();
    const won = /conflicts with the earlier init\(\{ device \}\), which created the device; the first init\(\) that chooses the device, powerPreference or shaderBaseUrl wins/;
    await expect(wg.init({ device: other })).rejects.toThrow(won);
    await expect(wg.init({ powerPreference: 'low-power' })).rejects.toThrow(/^webgrad: init\(\{ powerPreference: 'low-power' \}\) conflicts/);
    await expect(wg.init({ shaderBaseUrl: 'http://127.0.0.1:9/wgsl/' })).rejects.toThrow(/^webgrad: init\(\{ shaderBaseUrl: 'http:\/\/127\.0\.0\.1:9\/wgsl\/' \}\) conflicts/);
    expect(wg.gpu().device).toBe(device);
    expect(await smallStep(wg)).toEqual(expectedGrad);
    other.destroy();
  });
});

describe('init(options) after tensor ops ran on the automatic device', () => {
  it('is an error that says to call it before the first tensor op; the automatic device stays', async () => {
    const wg = await freshWebgrad();
    expect(await smallStep(wg)).toEqual(expectedGrad);
    const automatic = wg.gpu().device;
    const device = await ownDevice();
    await expect(wg.init({ device })).rejects.toThrow(
      'webgrad: init({ device }) came after tensor ops already ran on the device that importing webgrad created with the defaults, so it would not be honoured. ' +
      'Call `await init({ device })` before the first tensor op (or gpu() call): until then it replaces the automatic device.');
    await expect(wg.init({ powerPreference: 'low-power' })).rejects.toThrow(/came after tensor ops already ran/);
    // What the automatic device already is never conflicts.
    expect((await wg.init({ powerPreference: 'high-performance' })).device).toBe(automatic);
    expect((await wg.init()).device).toBe(automatic);
    expect(await smallStep(wg)).toEqual(expectedGrad);
    device.destroy();
  });
});

describe('init({ shaderBaseUrl }) before the first tensor op', () => {
  let server: Server;
  let base: string;
  const requested: string[] = [];
  const shaders = fileURLToPath(new URL('../../shaders/', import.meta.url));

  beforeAll(async () => {
    server = createServer((request, response) => {
      const name = (request.url ?? '').replace(/^\/wgsl\//, '');
      requested.push(name);
      // broken/: not WGSL, to tell the served kernels from the built-in ones
      if (name.startsWith('broken/')) return void response.writeHead(200).end('this is not WGSL');
      readFile(`${shaders}${name}`).then(
        (text) => response.writeHead(200, { 'content-type': 'text/plain' }).end(text),
        () => response.writeHead(404).end(),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/wgsl`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('a URL fetch() cannot use is an error that changes nothing; a good one is fetched, every family, and ops run', async () => {
    const wg = await freshWebgrad();
    await expect(wg.init({ shaderBaseUrl: 'wgsl/' })).rejects.toThrow(
      "webgrad: shaderBaseUrl 'wgsl/' is not a URL (outside a page it must be absolute: https://…/shaders/)");
    await expect(wg.init({ shaderBaseUrl: `${base}/missing/` })).rejects.toThrow(/^webgrad: cannot load shader \w+\.wgsl from .*\/missing\/ \(HTTP 404\)$/);
    requested.length = 0;
    await wg.init({ shaderBaseUrl: base }); // without the trailing slash: still the folder
    // (the 404 case's other fetches may still be arriving)
    expect(requested.filter((name) => !name.startsWith('missing/')).sort()).toEqual(wg.shaderFamilies.map((f) => `${f}.wgsl`).sort());
    expect(await smallStep(wg)).toEqual(expectedGrad);
    await expect(wg.init({ shaderBaseUrl: `${base}/` })).rejects.toThrow(/conflicts with the earlier init\(\{ shaderBaseUrl: /);
  });

  it('the kernels are compiled from the served WGSL, not the built-in', async () => {
    const wg = await freshWebgrad();
    await wg.init({ shaderBaseUrl: `${base}/broken/` });
    await expect(smallStep(wg)).rejects.toThrow(/WebGPU error/);
  });
});
