// TensorFlow.js's WebGPU backend on the same Dawn instance (and so the same adapter) as
// webgrad, in the same process, for side-by-side ratios.

import { gpuWait } from '../engine/device/gpu-wait.js';
import { webgpuApi } from '../engine/index.js';

type Tf = typeof import('@tensorflow/tfjs-core');
interface WebGpuBackend { submitQueue(): void; device: GPUDevice; commandEncoder: GPUCommandEncoder | null; computePassEncoder?: GPUComputePassEncoder | null; endComputePassEncoder?(): void }

let tf: Tf | undefined;

export async function loadTfjs(): Promise<Tf | undefined> {
  if (tf) return tf;
  const api = webgpuApi();
  if (!api) return undefined;
  const g = globalThis as { navigator?: { gpu?: GPU; userAgent?: string } };
  if (!g.navigator) Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true, writable: true });
  if (!g.navigator!.gpu) Object.assign(g.navigator!, { gpu: api, userAgent: 'node' });
  const core = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-webgpu');
  core.env().set('WEBGPU_CPU_FORWARD', false);
  if (!(await core.setBackend('webgpu'))) return undefined;
  await core.ready();
  tf = core;
  return tf;
}

/**
 * Flushes TF.js's pending commands and waits for its queue: with a plain await, as TF.js
 * itself waits in data()/onSubmittedWorkDone (Dawn spins a core meanwhile), or with
 * webgrad's throttled wait, to compare kernels alone.
 */
export async function tfjsSync(throttled: boolean): Promise<void> {
  const backend = tf!.backend() as unknown as WebGpuBackend;
  if (backend.commandEncoder) {
    backend.endComputePassEncoder?.();
    backend.submitQueue();
  }
  const done = backend.device.queue.onSubmittedWorkDone();
  await (throttled ? gpuWait(done) : done);
}
