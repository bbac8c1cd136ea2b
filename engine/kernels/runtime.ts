// Compiles kernels once per specialization key, records dispatches into one command
// encoder and submits them together. Each kernel's parameters go into a uniform ring that
// is written with a single writeBuffer just before the submit (queue order makes that
// safe), and bound at a 256-byte-aligned offset.
//
// Binding convention shared by every shader in shaders/: binding 0 is `var<uniform> P`,
// then the read-only storage inputs, then the read_write outputs.

import { gpu } from '../device/device.js';
import { debugFlags } from '../device/debug.js';
import { chargeDispatch, profileScope } from './profile.js';
import { gpuWait } from '../device/gpu-wait.js';
import { collectIndexFaults, type FaultMessage, indexFaultSlot } from './index-faults.js';

export interface KernelDef {
  /** Readable specialization key: everything that changes the WGSL. */
  key: string;
  inputs: number;
  outputs: number;
  /** Generates the WGSL; called only when `key` is not cached yet. */
  wgsl: () => string;
}

export interface Kernel {
  key: string;
  pipeline: GPUComputePipeline;
  layout: GPUBindGroupLayout;
  inputs: number;
  outputs: number;
}

export interface BufferBinding {
  buffer: GPUBuffer;
  /** Bytes; must be a multiple of minStorageBufferOffsetAlignment (usually 256). */
  offset?: number;
  size?: number;
}

const paramSlot = 256;
const ringSlots = 2048;
const kernels = new Map<string, Kernel>();
const layouts = new Map<string, GPUBindGroupLayout>();

let encoder: GPUCommandEncoder | undefined;
let pass: GPUComputePassEncoder | undefined;
let ring: GPUBuffer | undefined;
const ringData = new ArrayBuffer(paramSlot * ringSlots);
let ringUsed = 0;
const timings = new Map<string, { count: number; ms: number }>();
// Errors WebGPU reports asynchronously (compilation, validation, out-of-memory); the next
// readback or synchronize() throws the first of them so a bad kernel never reads as zeros.
const pendingChecks: Array<Promise<void>> = [];
const gpuErrors: string[] = [];

export function reportGpuError(message: string): void {
  gpuErrors.push(message);
}

/** Makes the next readback wait for `check`; forgotten once settled, so a loop without readbacks does not pile them up. */
function watch(check: Promise<void>): void {
  pendingChecks.push(check);
  void check.finally(() => {
    const at = pendingChecks.indexOf(check);
    if (at >= 0) pendingChecks.splice(at, 1);
  });
}

async function throwGpuErrors(): Promise<void> {
  await Promise.all(pendingChecks.splice(0));
  if (gpuErrors.length > 0) {
    // Root causes first: a compile error explains the "invalid pipeline" errors after it.
    // Identical reports (a bad index seen by an op's forward and again by its backward) are one error.
    const all = [...new Set(gpuErrors.splice(0))].sort((a, b) => Number(b.includes('does not compile')) - Number(a.includes('does not compile')));
    throw new Error(all.length === 1 ? all[0] : `${all[0]}\n(and ${all.length - 1} more WebGPU errors)`);
  }
}

function layoutFor(inputs: number, outputs: number): GPUBindGroupLayout {
  const id = `${inputs}:${outputs}`;
  let layout = layouts.get(id);
  if (layout) return layout;
  const entries: GPUBindGroupLayoutEntry[] = [
    { binding: 0, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'uniform', hasDynamicOffset: true } },
  ];
  for (let i = 0; i < inputs + outputs; i++) {
    entries.push({
      binding: i + 1,
      visibility: GPUShaderStage.COMPUTE,
      buffer: { type: i < inputs ? 'read-only-storage' : 'storage' },
    });
  }
  layout = gpu().device.createBindGroupLayout({ label: `webgrad ${id}`, entries });
  layouts.set(id, layout);
  return layout;
}

function compileErrorText(key: string, code: string, messages: readonly GPUCompilationMessage[]): string {
  const lines = code.split('\n');
  const details = messages.filter((m) => m.type === 'error').map((m) => {
    const line = lines[m.lineNum - 1] ?? '';
    return `  ${m.lineNum}:${m.linePos} ${m.message}\n    ${line}`;
  });
  return `webgrad: WGSL for kernel '${key}' does not compile:\n${details.join('\n')}`;
}

/** The compiled kernel for `def.key`, compiling it on first use. */
export function kernel(def: KernelDef): Kernel {
  const cached = kernels.get(def.key);
  if (cached) return cached;
  const { device } = gpu();
  const code = def.wgsl();
  if (debugFlags.printShader) console.error(`// ---- kernel ${def.key}\n${code}`);
  device.pushErrorScope('validation');
  const module = device.createShaderModule({ label: def.key, code });
  const layout = layoutFor(def.inputs, def.outputs);
  const pipeline = device.createComputePipeline({
    label: def.key,
    layout: device.createPipelineLayout({ bindGroupLayouts: [layout] }),
    compute: { module, entryPoint: 'main' },
  });
  // Compilation problems surface asynchronously; report them with the source lines.
  pendingChecks.push(device.popErrorScope().then(async (error) => {
    if (!error) return;
    const info = await module.getCompilationInfo();
    reportGpuError(info.messages.length ? compileErrorText(def.key, code, info.messages) : `webgrad: kernel '${def.key}': ${error.message}`);
  }));
  const compiled = { key: def.key, pipeline, layout, inputs: def.inputs, outputs: def.outputs };
  kernels.set(def.key, compiled);
  return compiled;
}

function ensureRing(device: GPUDevice): GPUBuffer {
  ring ??= device.createBuffer({
    label: 'webgrad params ring',
    size: ringData.byteLength,
    usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
  });
  return ring;
}

// GPU timestamps (bench only): while a query set is installed every compute pass writes
// its end time to slot 1, and the first one its start to slot 0.
let timestampSet: GPUQuerySet | undefined;
let timestampBegun = false;

function currentPass(device: GPUDevice): GPUComputePassEncoder {
  if (!encoder) encoder = device.createCommandEncoder({ label: 'webgrad batch' });
  if (!pass) {
    const timestampWrites = timestampSet
      ? { querySet: timestampSet, ...(timestampBegun ? {} : { beginningOfPassWriteIndex: 0 }), endOfPassWriteIndex: 1 }
      : undefined;
    timestampBegun ||= timestampSet !== undefined;
    pass = encoder.beginComputePass(timestampWrites ? { timestampWrites } : {});
  }
  return pass;
}

/**
 * GPU time in milliseconds of the dispatches `record` issues, from timestamp queries, or
 * undefined where the adapter has none. Used by the benchmarks.
 */
export async function gpuTimeMs(record: () => void): Promise<number | undefined> {
  const ctx = gpu();
  if (!ctx.hasTimestamps) {
    record();
    await synchronize();
    return undefined;
  }
  flush();
  const { device } = ctx;
  const querySet = device.createQuerySet({ type: 'timestamp', count: 2 });
  const resolved = device.createBuffer({ size: 16, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
  timestampSet = querySet;
  timestampBegun = false;
  try {
    record();
  } finally {
    if (pass) { pass.end(); pass = undefined; }
    timestampSet = undefined;
  }
  if (!timestampBegun) return 0;
  if (!encoder) encoder = device.createCommandEncoder({ label: 'webgrad batch' });
  encoder.resolveQuerySet(querySet, 0, 2, resolved, 0);
  const bytes = await download(resolved, 0, 16);
  const [start, end] = new BigUint64Array(bytes);
  querySet.destroy();
  resolved.destroy();
  return Number(end! - start!) / 1e6;
}

/** Parameters are 32-bit words: numbers become u32 unless listed in `floats` (f32) — see Params. */
export type ParamWords = ArrayLike<number>;

export interface Params {
  u32: ParamWords;
  /** Word positions (within u32) that hold f32 values instead. */
  f32At?: readonly number[];
}

function writeParams(words: Params): number {
  if (ringUsed === ringSlots) flush();
  const slot = ringUsed++;
  const byteOffset = slot * paramSlot;
  const u32 = new Uint32Array(ringData, byteOffset, paramSlot / 4);
  const f32 = new Float32Array(ringData, byteOffset, paramSlot / 4);
  const count = words.u32.length;
  if (count > paramSlot / 4) throw new Error(`webgrad: internal error: ${count} parameter words exceed ${paramSlot / 4}`);
  u32.fill(0);
  for (let i = 0; i < count; i++) u32[i] = words.u32[i]! >>> 0;
  for (const i of words.f32At ?? []) f32[i] = words.u32[i]!;
  return byteOffset;
}

/** Records one dispatch into the open batch. */
export function dispatch(k: Kernel, buffers: readonly BufferBinding[], params: Params, workgroups: readonly [number, number?, number?]): void {
  const { device, limits } = gpu();
  if (buffers.length !== k.inputs + k.outputs) {
    throw new Error(`webgrad: internal error: kernel '${k.key}' takes ${k.inputs + k.outputs} buffers, got ${buffers.length}`);
  }
  const [x, y = 1, z = 1] = workgroups;
  if (x === 0 || y === 0 || z === 0) return;
  const maxGroups = limits.maxComputeWorkgroupsPerDimension;
  if (x > maxGroups || y > maxGroups || z > maxGroups) {
    throw new Error(`webgrad: kernel '${k.key}' needs ${x}x${y}x${z} workgroups, over this adapter's ${maxGroups} per dimension`);
  }
  const offset = writeParams(params);
  const bindGroup = bindGroupFor(device, k, buffers, limits.maxStorageBufferBindingSize);
  if (debugFlags.validate || debugFlags.timing) {
    flushTimed(k, bindGroup, offset, [x, y, z]);
    return;
  }
  const p = currentPass(device);
  p.setPipeline(k.pipeline);
  p.setBindGroup(0, bindGroup, [offset]);
  p.dispatchWorkgroups(x, y, z);
}

// Bind groups are cached by layout and bound buffer ranges: the pool hands a training loop
// the same buffers every step, so after the first step creating them costs nothing. The
// params ring is bound with a dynamic offset, which is what makes a group reusable.
const bindGroups = new Map<string, GPUBindGroup>();
const bindGroupLimit = 8192;
const bufferIds = new WeakMap<GPUBuffer, number>();
const layoutIds = new WeakMap<GPUBindGroupLayout, number>();
let nextId = 1;
const idOf = <T extends object>(ids: WeakMap<T, number>, o: T) => {
  let id = ids.get(o);
  if (id === undefined) ids.set(o, (id = nextId++));
  return id;
};

function bindGroupFor(device: GPUDevice, k: Kernel, buffers: readonly BufferBinding[], maxBinding: number): GPUBindGroup {
  const ranges = buffers.map((b) => {
    const size = b.size ?? b.buffer.size - (b.offset ?? 0);
    if (size > maxBinding) {
      throw new Error(`webgrad: kernel '${k.key}' would bind ${size} bytes, over this adapter's maxStorageBufferBindingSize ` +
        `(${maxBinding}); only conv2d and pooling split such tensors so far — use a smaller batch`);
    }
    return { buffer: b.buffer, offset: b.offset ?? 0, size };
  });
  const key = `${idOf(layoutIds, k.layout)}|${ranges.map((r) => `${idOf(bufferIds, r.buffer)}:${r.offset}:${r.size}`).join(',')}`;
  let group = bindGroups.get(key);
  if (group) return group;
  group = device.createBindGroup({
    layout: k.layout,
    entries: [
      { binding: 0, resource: { buffer: ensureRing(device), offset: 0, size: paramSlot } },
      ...ranges.map((r, i) => ({ binding: i + 1, resource: r })),
    ],
  });
  if (bindGroups.size >= bindGroupLimit) bindGroups.delete(bindGroups.keys().next().value!);
  bindGroups.set(key, group);
  return group;
}

/** Forgets cached bind groups (called when pooled buffers are destroyed). */
export function clearBindGroupCache(): void {
  bindGroups.clear();
}

// Debug mode: each dispatch is submitted alone inside an error scope and timed, so
// errors name the kernel and WEBGRAD_DEBUG prints where the time goes.
function flushTimed(k: Kernel, bindGroup: GPUBindGroup, offset: number, groups: [number, number, number]): void {
  flush();
  const ctx = gpu();
  const { device } = ctx;
  device.pushErrorScope('validation');
  device.pushErrorScope('out-of-memory');
  // With timestamp queries the time is the kernel's own; without, submit-to-idle wall time.
  const query = ctx.hasTimestamps ? device.createQuerySet({ type: 'timestamp', count: 2 }) : undefined;
  timestampSet = query;
  timestampBegun = false;
  const p = currentPass(device);
  p.setPipeline(k.pipeline);
  p.setBindGroup(0, bindGroup, [offset]);
  p.dispatchWorkgroups(...groups);
  p.end();
  pass = undefined;
  timestampSet = undefined;
  let staging: GPUBuffer | undefined;
  if (query) {
    const resolved = device.createBuffer({ size: 16, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
    staging = device.createBuffer({ size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    encoder!.resolveQuerySet(query, 0, 2, resolved, 0);
    encoder!.copyBufferToBuffer(resolved, 0, staging, 0, 16);
  }
  const start = performance.now();
  flush();
  const report = (error: GPUError | null) => {
    if (error) reportGpuError(`webgrad: kernel '${k.key}' (${groups.join('x')} workgroups) failed: ${error.message}`);
  };
  pendingChecks.push(device.popErrorScope().then(report), device.popErrorScope().then(report));
  const scope = profileScope();
  const record = (ms: number) => {
    const entry = timings.get(k.key) ?? { count: 0, ms: 0 };
    entry.count++;
    entry.ms += ms;
    timings.set(k.key, entry);
    chargeDispatch(k.key, scope, ms);
  };
  if (staging) {
    const buffer = staging;
    void gpuWait(buffer.mapAsync(GPUMapMode.READ)).then(() => {
      const [begin, end] = new BigUint64Array(buffer.getMappedRange());
      record(Number(end! - begin!) / 1e6);
      buffer.destroy();
      query!.destroy();
    }, () => undefined);
  } else {
    void gpuWait(device.queue.onSubmittedWorkDone()).then(() => record(performance.now() - start));
  }
}

/** Records a buffer-to-buffer copy in submission order with the dispatches. */
export function copyBuffer(src: GPUBuffer, srcOffset: number, dst: GPUBuffer, dstOffset: number, bytes: number): void {
  if (bytes === 0) return;
  const { device } = gpu();
  if (pass) { pass.end(); pass = undefined; }
  if (!encoder) encoder = device.createCommandEncoder({ label: 'webgrad batch' });
  encoder.copyBufferToBuffer(src, srcOffset, dst, dstOffset, bytes);
}

/**
 * The index-fault slot (see index-faults.ts) for the dispatch about to be recorded: bind
 * `binding` as the kernel's last buffer and pass `slot` in its parameters.
 */
export function indexFaultBinding(message: FaultMessage): { binding: BufferBinding; slot: number } {
  const { device } = gpu();
  let got = indexFaultSlot(device, message);
  if (!got) {
    // Every slot is taken by this batch: submitting it collects them.
    encoder ??= device.createCommandEncoder({ label: 'webgrad batch' });
    flush();
    got = indexFaultSlot(device, message)!;
  }
  return { binding: { buffer: got.buffer }, slot: got.slot };
}

/** Submits everything recorded so far. */
export function flush(): void {
  if (!encoder) return;
  const { device } = gpu();
  if (pass) { pass.end(); pass = undefined; }
  const faults = collectIndexFaults(device, encoder);
  if (ringUsed > 0) device.queue.writeBuffer(ensureRing(device), 0, ringData, 0, ringUsed * paramSlot);
  device.queue.submit([encoder.finish()]);
  encoder = undefined;
  ringUsed = 0;
  if (faults) {
    watch(faults().then((message) => {
      if (message) reportGpuError(message);
    }));
  }
}

/** Writes host data into a buffer, after everything already recorded (so pooled buffers are safe). */
export function upload(buffer: GPUBuffer, byteOffset: number, data: ArrayBufferView): void {
  flush();
  gpu().device.queue.writeBuffer(buffer, byteOffset, data.buffer, data.byteOffset, data.byteLength);
}

/** Copies `bytes` from a buffer to the host; the only place the engine waits on the GPU. */
export async function download(buffer: GPUBuffer, byteOffset: number, bytes: number): Promise<ArrayBuffer> {
  const { device } = gpu();
  const size = Math.max(4, Math.ceil(bytes / 4) * 4);
  const staging = device.createBuffer({ size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  if (bytes > 0) copyBuffer(buffer, byteOffset, staging, 0, size);
  flush();
  try {
    await gpuWait(staging.mapAsync(GPUMapMode.READ));
    await throwGpuErrors();
    return staging.getMappedRange().slice(0, bytes);
  } finally {
    staging.destroy();
  }
}

/** Resolves when the GPU has finished everything submitted so far (without spinning a core). */
export async function synchronize(): Promise<void> {
  flush();
  await gpuWait(gpu().device.queue.onSubmittedWorkDone());
  await throwGpuErrors();
}

/** Per-kernel dispatch counts and wall time, collected when WEBGRAD_DEBUG=1. */
export function kernelTimings(): Array<{ key: string; count: number; ms: number }> {
  return [...timings].map(([key, t]) => ({ key, ...t })).sort((a, b) => b.ms - a.ms);
}

export function compiledKernelCount(): number {
  return kernels.size;
}
