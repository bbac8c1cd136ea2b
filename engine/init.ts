// init(): creates the device and loads the WGSL families. Ops need both, so everything
// that creates tensors goes through here first.

import { type GpuContext, init as initDevice, type InitOptions } from './device/device.js';
import { reportGpuError } from './kernels/runtime.js';
import { loadShaders } from './kernels/shader-source.js';
import { installCollector, setMemoryBudget } from './tensor/memory.js';

export const shaderFamilies = [
  'elementwise', 'math', 'reduce', 'random', 'gather', 'scatter', 'softmax', 'matmul', 'matmul_strided',
  'conv2d', 'conv2d_pack', 'conv2d_wgrad', 'pool_max', 'pool_avg', 'batchnorm', 'lstm', 'lstm_backward', 'adam',
] as const;

export interface WebgradInitOptions extends InitOptions {
  /** Where the shaders/ folder is served from (browsers); Node finds it next to the package. */
  shaderBaseUrl?: string;
  /**
   * GPU memory budget in bytes (Infinity: off); see setMemoryBudget(). Applied by every
   * init() call, so it works after the automatic init of `import 'webgrad'` too.
   */
  memoryBudget?: number;
}

let ready: Promise<GpuContext> | undefined;

/** Creates the GPU device and loads the kernels' sources. Idempotent. */
export function init(options: WebgradInitOptions = {}): Promise<GpuContext> {
  ready ??= (async () => {
    const ctx = await initDevice({ onError: reportGpuError, ...options });
    await Promise.all([loadShaders(shaderFamilies, options.shaderBaseUrl), installCollector()]);
    return ctx;
  })().catch((error: unknown) => {
    ready = undefined;
    throw error;
  });
  if (options.memoryBudget === undefined) return ready;
  const budget = options.memoryBudget;
  return ready.then((ctx) => {
    setMemoryBudget(budget);
    return ctx;
  });
}
