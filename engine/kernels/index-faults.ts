// Out-of-range indices, reported without a GPU sync.
//
// PyTorch raises "Target 5 is out of bounds." from cross_entropy and "index 5 is out of bounds"
// from gather on the host. Checking here on the host would cost a readback (a full GPU sync)
// per loss — in a training loop, one more stall per step. So the kernels that read an index
// (gather, scatter_add) check it themselves: a bad index writes a NaN (0 for integer tensors)
// instead of a plausible value, and is recorded in a small GPU buffer, one 4-word slot per
// dispatch. runtime.ts's flush() appends a copy of the used slots to the batch and clears them;
// the copy is mapped once that batch is done, so the next readback or synchronize() — which
// waits for that batch anyway — throws the op's own message (`crossEntropy: target 5 is out of
// bounds for 3 classes (logits [4,3])…`), as it does for WGSL and validation errors. The cost
// is a compare per index in the kernel and a 16-byte-per-dispatch copy per submit.
//
// A slot is [count, ~first, ~key(min), key(max)], every word updated with atomics so the
// result does not depend on scheduling: `first` is the lowest flat position in the index
// tensor, min and max the extreme bad values. key() maps i32 order onto u32 order; storing
// ~x where a minimum is wanted makes zero (what clearBuffer writes) the neutral value of all
// four words, so no initialisation pass is needed.

import { gpuWait } from '../device/gpu-wait.js';

/** What a kernel recorded about the bad indices of one dispatch. */
export interface IndexFault {
  count: number;
  /** Lowest flat (row-major) position of a bad index in the index tensor. */
  first: number;
  min: number;
  max: number;
}

export type FaultMessage = (fault: IndexFault) => string;

const slotWords = 4;
const slotBytes = slotWords * 4;
/** Slots per buffer; when a batch needs more, runtime flushes (see indexFaultSlot). */
export const faultSlots = 1024;

let faultBuffer: GPUBuffer | undefined;
const messages: FaultMessage[] = [];

/**
 * WGSL for the shader side: the binding and `record_fault(slot, position, value)`. Placed in a
 * shader with the {{INDEX_FAULTS}} placeholder; `binding` is the shader's last binding.
 */
export function indexFaultWgsl(binding: number): string {
  return `@group(0) @binding(${binding}) var<storage, read_write> faults: array<atomic<u32>>;

// One slot per dispatch: [count, ~first position, ~key(min value), key(max value)] (index-faults.ts).
fn record_fault(slot: u32, position: u32, value: i32) {
  let base = slot * ${slotWords}u;
  let key = bitcast<u32>(value) ^ 0x80000000u;
  atomicAdd(&faults[base], 1u);
  atomicMax(&faults[base + 1u], ~position);
  atomicMax(&faults[base + 2u], ~key);
  atomicMax(&faults[base + 3u], key);
}`;
}

/**
 * Reserves the slot for one dispatch; `message` turns what the kernel records into the error.
 * Returns undefined when the slots are used up: the caller flushes (which collects them) and asks again.
 */
export function indexFaultSlot(device: GPUDevice, message: FaultMessage): { buffer: GPUBuffer; slot: number } | undefined {
  if (messages.length === faultSlots) return undefined;
  faultBuffer ??= device.createBuffer({
    label: 'webgrad index faults',
    size: faultSlots * slotBytes,
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
  });
  messages.push(message);
  return { buffer: faultBuffer, slot: messages.length - 1 };
}

const unkey = (k: number) => ((k ^ 0x80000000) | 0);

/**
 * Called by flush() before it submits `encoder`: records the copy of the used slots (and their
 * reset), and returns what to run after the submit — a promise of the first fault's message,
 * or undefined when no slot was used since the last flush.
 */
export function collectIndexFaults(device: GPUDevice, encoder: GPUCommandEncoder): (() => Promise<string | undefined>) | undefined {
  if (messages.length === 0 || !faultBuffer) return undefined;
  const taken = messages.splice(0);
  const bytes = taken.length * slotBytes;
  const staging = device.createBuffer({ label: 'webgrad index faults readback', size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  encoder.copyBufferToBuffer(faultBuffer, 0, staging, 0, bytes);
  encoder.clearBuffer(faultBuffer, 0, bytes);
  // mapAsync only after the submit: a buffer pending a map may not be used by a submitted command.
  return async () => {
    try {
      await gpuWait(staging.mapAsync(GPUMapMode.READ));
      const words = new Uint32Array(staging.getMappedRange());
      for (let slot = 0; slot < taken.length; slot++) {
        const at = slot * slotWords;
        if (words[at] === 0) continue;
        const fault = { count: words[at]!, first: ~words[at + 1]! >>> 0, min: unkey(~words[at + 2]! >>> 0), max: unkey(words[at + 3]!) };
        return taken[slot]!(fault);
      }
      return undefined;
    } catch {
      return undefined; // device lost: gpu() reports that at the next op
    } finally {
      staging.destroy();
    }
  };
}

/** The coordinates of row-major position `flat` in a tensor of shape `shape`. */
export function coordsOf(shape: readonly number[], flat: number): number[] {
  const coords = new Array<number>(shape.length);
  let rem = flat;
  for (let d = shape.length - 1; d >= 0; d--) {
    const n = shape[d]!;
    coords[d] = rem % n;
    rem = Math.floor(rem / n);
  }
  return coords;
}
