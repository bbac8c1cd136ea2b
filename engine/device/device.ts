// The one WebGPU device webgrad runs on: Dawn through the `webgpu` package in Node,
// navigator.gpu in browsers. init() is idempotent; every op calls gpu() to get it.
//
// Nothing here names a Node-only module where a bundler would follow it: `webgpu` (Dawn) and
// dawn-stderr.ts (node:fs, node:tty…) are imported through variables, and only in Node, so a
// browser bundle neither contains nor resolves them.

import type { Quiet } from './dawn-stderr.js';
import { debugFlags } from './debug.js';

export interface InitOptions {
  /** 'high-performance' by default, so laptops pick the discrete GPU. */
  powerPreference?: GPUPowerPreference;
  /** Use this device instead of creating one (e.g. shared with a renderer). */
  device?: GPUDevice;
  /** Receives errors WebGPU reports outside an error scope (the kernel runtime records them). */
  onError?: (message: string) => void;
}

export interface GpuContext {
  device: GPUDevice;
  adapterName: string;
  features: ReadonlySet<string>;
  limits: GPUSupportedLimits;
  hasTimestamps: boolean;
  hasF16: boolean;
  subgroupSize: number;
}

let context: GpuContext | undefined;
// Dawn's Node binding tears the instance down when its GPU object is garbage-collected,
// taking every device with it (a segfault or futex abort at the next GC): hold it forever.
let gpuInstance: GPU | undefined;
// Runs requestAdapter without Dawn's limit warnings on a terminal (dawn-stderr.ts); Node only.
let quietDiscovery: Quiet = (call) => call();
let pending: Promise<GpuContext> | undefined;
// Whether gpu() has handed the context out: from then on kernels, buffers and caches live on it.
let used = false;
// Devices init() was given (never destroyed by webgrad), and those releaseDevice() let go.
const supplied = new WeakSet<GPUDevice>();
const released = new WeakSet<GPUDevice>();
let detachErrors: (() => void) | undefined;
let lostReason: string | undefined;
// Why the last init() failed (no adapter…): reported by gpu() instead of "not initialised".
let initFailure: Error | undefined;

const installHint =
  'webgrad needs a WebGPU adapter. In Node run `npx webgrad-setup` (or `npm run setup` in a clone of webgrad): it installs Mesa\'s lavapipe Vulkan driver on Debian; ' +
  'or install a Vulkan driver for your GPU (libvulkan1 + mesa-vulkan-drivers >= 24, or the vendor driver). ' +
  'In a browser use one with WebGPU enabled (Chrome/Edge 113+, Firefox 141+, Safari 26+).';

function isNode(): boolean {
  return typeof (globalThis as { process?: { versions?: { node?: unknown } } }).process?.versions?.node === 'string';
}

/** Imports a module that exists only in Node; the specifier is a variable so that bundlers leave it alone. */
function importNodeOnly<T>(specifier: string): Promise<T> {
  return import(/* @vite-ignore */ /* webpackIgnore: true */ specifier) as Promise<T>;
}

async function nodeGpu(): Promise<GPU> {
  const proc = (globalThis as { process?: { env: Record<string, string | undefined> } }).process;
  // Vulkan's loader and Mesa want a runtime dir; containers and CI often lack one.
  if (proc && !proc.env.XDG_RUNTIME_DIR) proc.env.XDG_RUNTIME_DIR = '/tmp';
  const dawn = await importNodeOnly<{ create: (flags: string[]) => GPU; globals: Record<string, unknown> }>('webgpu');
  for (const [name, value] of Object.entries(dawn.globals)) {
    if (!(name in globalThis)) (globalThis as Record<string, unknown>)[name] = value;
  }
  const { dawnStderrFilter } = await importNodeOnly<typeof import('./dawn-stderr.js')>('./dawn-stderr.js');
  quietDiscovery = await dawnStderrFilter();
  return dawn.create([]);
}

async function findGpu(): Promise<GPU> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return nav.gpu;
  if (isNode()) return nodeGpu();
  throw new Error(`webgrad: no WebGPU in this environment. ${installHint}`);
}

function describe(info: GPUAdapterInfo | undefined): string {
  if (!info) return 'unknown adapter';
  const parts = [info.vendor, info.architecture, info.device, info.description].filter((p) => p && p.length > 0);
  return parts.length > 0 ? parts.join(' ') : 'unknown adapter';
}

function wantedLimits(adapter: GPUAdapter): Record<string, number> {
  const names = [
    'maxStorageBufferBindingSize', 'maxBufferSize', 'maxComputeWorkgroupStorageSize',
    'maxComputeInvocationsPerWorkgroup', 'maxComputeWorkgroupSizeX', 'maxComputeWorkgroupSizeY',
    'maxComputeWorkgroupsPerDimension', 'maxStorageBuffersPerShaderStage',
  ] as const;
  const limits: Record<string, number> = {};
  for (const name of names) limits[name] = adapter.limits[name];
  return limits;
}

async function create(options: InitOptions): Promise<GpuContext> {
  let device = options.device;
  // A supplied device says what it runs on where the browser or Dawn implements adapterInfo.
  let adapterName = device?.adapterInfo ? `${describe(device.adapterInfo)} (user-supplied device)` : 'user-supplied device';
  if (!device) {
    const gpuApi = (gpuInstance ??= await findGpu());
    // Dawn discovers adapters synchronously inside this call, printing as it goes.
    const adapter = await quietDiscovery(() => gpuApi.requestAdapter({ powerPreference: options.powerPreference ?? 'high-performance' }));
    if (!adapter) throw new Error(`webgrad: no WebGPU adapter found. ${installHint}`);
    adapterName = describe(adapter.info);
    const optional = ['timestamp-query', 'shader-f16', 'subgroups'] as GPUFeatureName[];
    const requiredFeatures = optional.filter((f) => adapter.features.has(f));
    device = await adapter.requestDevice({ requiredFeatures, requiredLimits: wantedLimits(adapter) });
  }
  const own = device;
  device.lost.then((info) => {
    if (released.has(own)) return; // let go by releaseDevice(): an explicit init() replaced it
    lostReason = `${info.reason}: ${info.message}`;
    if (info.reason !== 'destroyed') console.error(`webgrad: GPU device lost (${lostReason})`);
  });
  const onError = (event: GPUUncapturedErrorEvent) => {
    if (!options.onError) return;
    options.onError(`webgrad: WebGPU error: ${event.error.message}`);
    // Handled: the next readback throws it. Without this, Dawn's Node binding also prints the
    // raw dump ("validation:\n[Invalid ComputePipeline …]") to stdout.
    event.preventDefault();
  };
  if (options.device) {
    // The page's device: listen beside its own handler instead of replacing it.
    supplied.add(device);
    device.addEventListener('uncapturederror', onError);
    detachErrors = () => own.removeEventListener('uncapturederror', onError);
  } else {
    device.onuncapturederror = onError;
    detachErrors = () => { own.onuncapturederror = null; };
  }
  const features = new Set<string>([...device.features]);
  const subgroupSize = (device.adapterInfo as { subgroupMinSize?: number } | undefined)?.subgroupMinSize ?? 0;
  return {
    device,
    adapterName,
    features,
    limits: device.limits,
    hasTimestamps: features.has('timestamp-query'),
    hasF16: features.has('shader-f16'),
    subgroupSize,
  };
}

/** Creates the device (once). Safe to call many times and concurrently. */
export async function init(options: InitOptions = {}): Promise<GpuContext> {
  if (context) return context;
  pending ??= create(options).then((ctx) => {
    context = ctx;
    if (debugFlags.validate) console.error(`webgrad: device on ${ctx.adapterName}`);
    return ctx;
  });
  try {
    const ctx = await pending;
    initFailure = undefined;
    return ctx;
  } catch (error) {
    pending = undefined;
    initFailure = error instanceof Error ? error : new Error(String(error));
    throw error;
  }
}

/** The initialised device; throws a clear error before init() or after device loss. */
export function gpu(): GpuContext {
  if (lostReason) throw new Error(`webgrad: the GPU device was lost (${lostReason}); restart the process.`);
  if (!context) {
    if (initFailure) throw initFailure;
    throw new Error('webgrad: the GPU is not initialised yet. `await init()` (exported by webgrad) before creating tensors.');
  }
  used = true;
  return context;
}

/** Whether anything has used the device (gpu() was called): it can no longer be swapped for another. */
export function deviceInUse(): boolean {
  return used;
}

/**
 * Forgets a device nothing has used yet, so that the next init() creates another: how an explicit
 * init(options) replaces the automatic one. A device webgrad created is destroyed; a supplied one
 * is only let go. Call it once init() has settled.
 */
export function releaseDevice(): void {
  if (used) throw new Error('webgrad: releaseDevice() after the device was used');
  if (pending && !context) throw new Error('webgrad: releaseDevice() while the device is being created');
  const old = context?.device;
  context = undefined;
  pending = undefined;
  initFailure = undefined;
  detachErrors?.();
  detachErrors = undefined;
  if (!old) return;
  released.add(old);
  if (!supplied.has(old)) old.destroy();
}

export function isInitialised(): boolean {
  return context !== undefined;
}

/** The WebGPU entry point webgrad uses (navigator.gpu or Dawn's), e.g. to run another library on the same adapter. */
export function webgpuApi(): GPU | undefined {
  return gpuInstance;
}
