// Moving data between the host and GPU buffers, in order with the recorded dispatches: upload
// submits what is recorded first (so a pooled buffer is not overwritten under a pending kernel),
// download copies after it. Readbacks and synchronize() are where the engine waits for the GPU,
// so they are also where the errors collected since (errors.ts) are thrown.

import { gpu } from '../../device/device.js';
import { gpuWait } from '../../device/gpu-wait.js';
import { copyBuffer, flush } from './encoder.js';
import { throwGpuErrors } from './errors.js';

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
