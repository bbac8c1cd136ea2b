// Bind-group layouts and bind groups, both cached. Every shader in shaders/ binds the same way:
// binding 0 is `var<uniform> P` (the parameter ring at a dynamic offset), then the read-only
// storage inputs, then the read_write outputs — so a layout depends only on how many of each.
// Bind groups are cached by layout and bound buffer ranges: the pool hands a training loop the
// same buffers every step, so after the first step creating them costs nothing.
// A kernel may also bind textures, after its buffers (matmul_texture.wgsl reads its operands
// through them: on lavapipe a texel fetch reads 8 lanes with vector loads, a storage-buffer load loops
// over the lanes).

import { gpu } from '../../device/device.js';
import { paramRing, paramSlot } from './param-ring.js';

export interface BufferBinding {
  buffer: GPUBuffer;
  /** Bytes; must be a multiple of minStorageBufferOffsetAlignment (usually 256). */
  offset?: number;
  size?: number;
}

/** A texture binding: sampled (`texture_2d<f32>`, read with textureLoad) or a write-only rgba32float storage texture. */
export type TextureKind = 'sampled' | 'storage-write';

const layouts = new Map<string, GPUBindGroupLayout>();

/**
 * The layout for `inputs` read-only and `outputs` read_write storage buffers after the
 * parameters, then `textures` in order.
 */
export function layoutFor(inputs: number, outputs: number, textures: readonly TextureKind[] = []): GPUBindGroupLayout {
  const id = `${inputs}:${outputs}${textures.length ? `:${textures.join(',')}` : ''}`;
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
  for (const [i, kind] of textures.entries()) {
    entries.push({
      binding: inputs + outputs + 1 + i,
      visibility: GPUShaderStage.COMPUTE,
      ...(kind === 'sampled'
        ? { texture: { sampleType: 'unfilterable-float' as const } }
        : { storageTexture: { access: 'write-only' as const, format: 'rgba32float' as const } }),
    });
  }
  layout = gpu().device.createBindGroupLayout({ label: `webgrad ${id}`, entries });
  layouts.set(id, layout);
  return layout;
}

const bindGroups = new Map<string, GPUBindGroup>();
const bindGroupLimit = 8192;
const resourceIds = new WeakMap<GPUBuffer | GPUTextureView, number>();
const layoutIds = new WeakMap<GPUBindGroupLayout, number>();
let nextId = 1;
const idOf = <T extends object>(ids: WeakMap<T, number>, o: T) => {
  let id = ids.get(o);
  if (id === undefined) ids.set(o, (id = nextId++));
  return id;
};

/** The bind group of kernel `key` (named in errors) binding `buffers`, then `textures`, after the parameter ring. */
export function bindGroupFor(device: GPUDevice, key: string, layout: GPUBindGroupLayout, buffers: readonly BufferBinding[], maxBinding: number,
  textures: readonly GPUTextureView[] = []): GPUBindGroup {
  const ranges = buffers.map((b) => {
    const size = b.size ?? b.buffer.size - (b.offset ?? 0);
    if (size > maxBinding) {
      throw new Error(`webgrad: kernel '${key}' would bind ${size} bytes, over this adapter's maxStorageBufferBindingSize ` +
        `(${maxBinding}); only conv2d and pooling split such tensors so far — use a smaller batch`);
    }
    return { buffer: b.buffer, offset: b.offset ?? 0, size };
  });
  const id = `${idOf(layoutIds, layout)}|${ranges.map((r) => `${idOf(resourceIds, r.buffer)}:${r.offset}:${r.size}`).join(',')}` +
    textures.map((t) => `|t${idOf(resourceIds, t)}`).join('');
  let group = bindGroups.get(id);
  if (group) return group;
  group = device.createBindGroup({
    layout,
    entries: [
      { binding: 0, resource: { buffer: paramRing(device), offset: 0, size: paramSlot } },
      ...ranges.map((r, i) => ({ binding: i + 1, resource: r })),
      ...textures.map((t, i) => ({ binding: ranges.length + 1 + i, resource: t })),
    ],
  });
  if (bindGroups.size >= bindGroupLimit) bindGroups.delete(bindGroups.keys().next().value!);
  bindGroups.set(id, group);
  return group;
}

/** Forgets cached bind groups (called when pooled buffers or matmul's textures are destroyed). */
export function clearBindGroupCache(): void {
  bindGroups.clear();
}
