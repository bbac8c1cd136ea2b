// Recording one dispatch: its parameters into the ring, its buffers into a (cached) bind group,
// the dispatch into the open batch. In debug mode (WEBGRAD_DEBUG=1, or while the profiler runs)
// each dispatch is instead submitted alone inside error scopes and timed, so an error names its
// kernel and kernelTimings()/the profiler can say where the time goes.

import { gpu } from '../../device/device.js';
import { debugFlags } from '../../device/debug.js';
import { gpuWait } from '../../device/gpu-wait.js';
import { chargeDispatch, profileScope } from '../profile.js';
import { bindGroupFor, type BufferBinding } from './bind-groups.js';
import { batchEncoder, computePass, flush, startTimestamps, stopTimestamps } from './encoder.js';
import { checkAtNextReadback, reportGpuError } from './errors.js';
import { type Params, paramRingFull, writeParams } from './param-ring.js';
import type { Kernel } from './pipelines.js';
import { recordKernelTime } from './timing.js';

/** Records one dispatch into the open batch (`textures`: the kernel's texture bindings, after its buffers). */
export function dispatch(k: Kernel, buffers: readonly BufferBinding[], params: Params, workgroups: readonly [number, number?, number?],
  textures: readonly GPUTextureView[] = []): void {
  const { device, limits } = gpu();
  if (buffers.length !== k.inputs + k.outputs || textures.length !== k.textures) {
    throw new Error(`webgrad: internal error: kernel '${k.key}' takes ${k.inputs + k.outputs} buffers and ${k.textures} textures, got ${buffers.length} and ${textures.length}`);
  }
  const [x, y = 1, z = 1] = workgroups;
  if (x === 0 || y === 0 || z === 0) return;
  const maxGroups = limits.maxComputeWorkgroupsPerDimension;
  if (x > maxGroups || y > maxGroups || z > maxGroups) {
    throw new Error(`webgrad: kernel '${k.key}' needs ${x}x${y}x${z} workgroups, over this adapter's ${maxGroups} per dimension`);
  }
  if (paramRingFull()) flush();
  const offset = writeParams(params);
  const bindGroup = bindGroupFor(device, k.key, k.layout, buffers, limits.maxStorageBufferBindingSize, textures);
  if (debugFlags.validate || debugFlags.timing) {
    dispatchAlone(k, bindGroup, offset, [x, y, z]);
    return;
  }
  const p = computePass(device);
  p.setPipeline(k.pipeline);
  p.setBindGroup(0, bindGroup, [offset]);
  p.dispatchWorkgroups(x, y, z);
}

// The debug path: the dispatch submitted alone, inside validation and out-of-memory error scopes.
function dispatchAlone(k: Kernel, bindGroup: GPUBindGroup, offset: number, groups: [number, number, number]): void {
  flush();
  const ctx = gpu();
  const { device } = ctx;
  device.pushErrorScope('validation');
  device.pushErrorScope('out-of-memory');
  // With timestamp queries the time is the kernel's own; without, submit-to-idle wall time.
  const query = ctx.hasTimestamps ? device.createQuerySet({ type: 'timestamp', count: 2 }) : undefined;
  startTimestamps(query);
  const p = computePass(device);
  p.setPipeline(k.pipeline);
  p.setBindGroup(0, bindGroup, [offset]);
  p.dispatchWorkgroups(...groups);
  stopTimestamps();
  let staging: GPUBuffer | undefined;
  if (query) {
    const resolved = device.createBuffer({ size: 16, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
    staging = device.createBuffer({ size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    const commands = batchEncoder(device);
    commands.resolveQuerySet(query, 0, 2, resolved, 0);
    commands.copyBufferToBuffer(resolved, 0, staging, 0, 16);
  }
  const start = performance.now();
  flush();
  const report = (error: GPUError | null) => {
    if (error) reportGpuError(`webgrad: kernel '${k.key}' (${groups.join('x')} workgroups) failed: ${error.message}`);
  };
  checkAtNextReadback(device.popErrorScope().then(report), device.popErrorScope().then(report));
  const scope = profileScope();
  const record = (ms: number) => {
    recordKernelTime(k.key, ms);
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
