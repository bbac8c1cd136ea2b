// Launcher for shaders/softmax.wgsl.

import { gpu } from '../device/device.js';
import { defineParams } from './params.js';
import { dispatch, kernel } from './runtime.js';
import { shaderSource } from './shader-source.js';
import { grid1d } from './view.js';

/** shaders/softmax.wgsl's parameters (params.ts). */
export const SOFTMAX_PARAMS = defineParams('softmax', {
  rows: 'u32',
  len: 'u32', // elements per row
  row: 'u32', // invocations per grid row
  x_offset: 'u32',
});

const writes = {
  softmax: 'let inv = 1.0 / total;\n  for (var j = 0u; j < P.len; j++) { out[base + j] = exp(x[P.x_offset + base + j] - m) * inv; }',
  logSoftmax: 'let lse = m + log(total);\n  for (var j = 0u; j < P.len; j++) { out[base + j] = x[P.x_offset + base + j] - lse; }',
};

export function launchSoftmax(kind: keyof typeof writes, x: GPUBuffer, offset: number, rows: number, len: number, out: GPUBuffer): void {
  if (rows === 0 || len === 0) return;
  const k = kernel({ key: `softmax:${kind}`, inputs: 1, outputs: 1, wgsl: () => shaderSource('softmax', { PARAMS: SOFTMAX_PARAMS.wgsl, WRITE: writes[kind] }) });
  const { groups, row } = grid1d(rows, 256, gpu().limits.maxComputeWorkgroupsPerDimension);
  dispatch(k, [{ buffer: x }, { buffer: out }], SOFTMAX_PARAMS.pack({ rows, len, row, x_offset: offset }), groups);
}
