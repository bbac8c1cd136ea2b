// The open batch: one command encoder and one compute pass that every dispatch and copy is
// recorded into, submitted together by flush(). Batching is what makes many small kernels cheap:
// one submit, one parameter-ring write, one index-fault copy per batch rather than per dispatch.
// While timestamps are on (timing.ts, the debug path in dispatch.ts), each pass opened writes its
// end time to query slot 1, and the first one its start to slot 0.

import { gpu } from '../../device/device.js';
import { collectIndexFaults, type FaultMessage, indexFaultSlot } from '../index-faults.js';
import type { BufferBinding } from './bind-groups.js';
import { reportGpuError, watch } from './errors.js';
import { uploadParams } from './param-ring.js';

let encoder: GPUCommandEncoder | undefined;
let pass: GPUComputePassEncoder | undefined;
let timestampSet: GPUQuerySet | undefined;
let timestampBegun = false;

/** The batch's command encoder, opened if none is. */
export function batchEncoder(device: GPUDevice): GPUCommandEncoder {
  encoder ??= device.createCommandEncoder({ label: 'webgrad batch' });
  return encoder;
}

/** The batch's compute pass, opened (with timestamp writes while they are on) if none is. */
export function computePass(device: GPUDevice): GPUComputePassEncoder {
  const commands = batchEncoder(device);
  if (!pass) {
    const timestampWrites = timestampSet
      ? { querySet: timestampSet, ...(timestampBegun ? {} : { beginningOfPassWriteIndex: 0 }), endOfPassWriteIndex: 1 }
      : undefined;
    timestampBegun ||= timestampSet !== undefined;
    pass = commands.beginComputePass(timestampWrites ? { timestampWrites } : {});
  }
  return pass;
}

/** Ends the open compute pass, if any (copies and query resolves go between passes). */
export function endPass(): void {
  if (pass) { pass.end(); pass = undefined; }
}

/** Passes opened from now on write timestamps into `querySet` (slot 0: the first start, slot 1: the last end). */
export function startTimestamps(querySet: GPUQuerySet | undefined): void {
  timestampSet = querySet;
  timestampBegun = false;
}

/** Ends the open pass and turns timestamps off; true if any pass wrote them since startTimestamps. */
export function stopTimestamps(): boolean {
  endPass();
  timestampSet = undefined;
  return timestampBegun;
}

/** Records a buffer-to-buffer copy in submission order with the dispatches. */
export function copyBuffer(src: GPUBuffer, srcOffset: number, dst: GPUBuffer, dstOffset: number, bytes: number): void {
  if (bytes === 0) return;
  const { device } = gpu();
  endPass();
  batchEncoder(device).copyBufferToBuffer(src, srcOffset, dst, dstOffset, bytes);
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
    batchEncoder(device);
    flush();
    got = indexFaultSlot(device, message)!;
  }
  return { binding: { buffer: got.buffer }, slot: got.slot };
}

/** Submits everything recorded so far. */
export function flush(): void {
  if (!encoder) return;
  const { device } = gpu();
  endPass();
  const faults = collectIndexFaults(device, encoder);
  uploadParams(device);
  device.queue.submit([encoder.finish()]);
  encoder = undefined;
  if (faults) {
    watch(faults().then((message) => {
      if (message) reportGpuError(message);
    }));
  }
}
