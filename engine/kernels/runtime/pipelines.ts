// Compiled kernels: one compute pipeline per specialization key, compiled on first use and kept.
// The key is readable (`map:add:f32,f32>f32:r2:…`) because it names the kernel in errors and in
// WEBGRAD_PRINT_SHADER output. Compile errors surface asynchronously; they are reported with the
// offending WGSL lines at the next readback (errors.ts).

import { gpu } from '../../device/device.js';
import { debugFlags } from '../../device/debug.js';
import { layoutFor, type TextureKind } from './bind-groups.js';
import { checkAtNextReadback, reportGpuError } from './errors.js';

export interface KernelDef {
  /** Readable specialization key: everything that changes the WGSL. */
  key: string;
  inputs: number;
  outputs: number;
  /** Texture bindings after the buffers, in order (none by default). */
  textures?: readonly TextureKind[];
  /** Generates the WGSL; called only when `key` is not cached yet. */
  wgsl: () => string;
}

export interface Kernel {
  key: string;
  pipeline: GPUComputePipeline;
  layout: GPUBindGroupLayout;
  inputs: number;
  outputs: number;
  textures: number;
}

const kernels = new Map<string, Kernel>();

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
  const layout = layoutFor(def.inputs, def.outputs, def.textures);
  const pipeline = device.createComputePipeline({
    label: def.key,
    layout: device.createPipelineLayout({ bindGroupLayouts: [layout] }),
    compute: { module, entryPoint: 'main' },
  });
  // Compilation problems surface asynchronously; report them with the source lines.
  checkAtNextReadback(device.popErrorScope().then(async (error) => {
    if (!error) return;
    const info = await module.getCompilationInfo();
    reportGpuError(info.messages.length ? compileErrorText(def.key, code, info.messages) : `webgrad: kernel '${def.key}': ${error.message}`);
  }));
  const compiled = { key: def.key, pipeline, layout, inputs: def.inputs, outputs: def.outputs, textures: def.textures?.length ?? 0 };
  kernels.set(def.key, compiled);
  return compiled;
}

export function compiledKernelCount(): number {
  return kernels.size;
}
