// The parameter blocks of the pooling kernels, declared once (params.ts): shaders/pool_max.wgsl and
// shaders/pool_avg.wgsl get their `struct Params` from these, and pool.ts packs values by these names.

import { defineParams } from './params.js';

// The grid and window geometry both kernels start with.
const GEOMETRY = {
  total: 'u32', // invocations: planes·Ho·Wo (forward) or planes·H·W (backward)
  row: 'u32', // invocations per grid row
  H: 'u32',
  W: 'u32',
  Ho: 'u32',
  Wo: 'u32',
  KH: 'u32',
  KW: 'u32',
  SY: 'u32',
  SX: 'u32',
  PY: 'u32',
  PX: 'u32',
} as const;

/** shaders/pool_max.wgsl (forward and backward). */
export const POOL_MAX_PARAMS = defineParams('pool_max', {
  ...GEOMETRY,
  DY: 'u32',
  DX: 'u32',
  in_offset: 'u32', // element offsets of binding 1 and of the output binding(s)
  out_offset: 'u32',
  idx_offset: 'u32',
});

/** shaders/pool_avg.wgsl (avg and adaptive avg, forward and backward). */
export const POOL_AVG_PARAMS = defineParams('pool_avg', {
  ...GEOMETRY,
  count_pad: 'u32', // count_include_pad
  divisor: 'u32', // 0: none
  in_offset: 'u32',
  out_offset: 'u32',
});
