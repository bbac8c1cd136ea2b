// The parameter ring: every dispatch's parameters (its `var<uniform> P`) in one uniform buffer.
// Each dispatch takes a 256-byte slot (WebGPU's uniform offset alignment) of a host-side copy;
// the whole used part is written with a single writeBuffer just before the batch is submitted
// (queue order makes that safe), and each dispatch binds the ring at its slot's dynamic offset,
// which is what lets a bind group be reused (bind-groups.ts). One writeBuffer per submit
// instead of one small buffer per dispatch.

/** Parameters are 32-bit words: numbers become u32 unless listed in `f32At` (f32) — see Params. */
export type ParamWords = ArrayLike<number>;

export interface Params {
  u32: ParamWords;
  /** Word positions (within u32) that hold f32 values instead. */
  f32At?: readonly number[];
}

/** Bytes per slot: the most one kernel's parameters may take. */
export const paramSlot = 256;
const ringSlots = 2048;

let ring: GPUBuffer | undefined;
const ringData = new ArrayBuffer(paramSlot * ringSlots);
let ringUsed = 0;

/** The ring buffer (created on first use). */
export function paramRing(device: GPUDevice): GPUBuffer {
  ring ??= device.createBuffer({
    label: 'webgrad params ring',
    size: ringData.byteLength,
    usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
  });
  return ring;
}

/** Every slot is taken: the batch must be submitted (which empties the ring) before the next dispatch. */
export function paramRingFull(): boolean {
  return ringUsed === ringSlots;
}

/** Writes `words` into the next slot; returns its byte offset, to bind the ring at. */
export function writeParams(words: Params): number {
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

/** Queues the write of the used slots and empties the ring; called just before a submit. */
export function uploadParams(device: GPUDevice): void {
  if (ringUsed > 0) device.queue.writeBuffer(paramRing(device), 0, ringData, 0, ringUsed * paramSlot);
  ringUsed = 0;
}
