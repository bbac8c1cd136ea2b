// The parameter blocks of the batchnorm kernel family, declared once (params.ts): each section of
// shaders/batchnorm.wgsl gets its `struct Params` from one of these, and its launcher in
// batchnorm.ts packs values by these names.

import { defineParams } from './params.js';

/** Section partial: per-channel partial sums (stats, grad, grad_relu). Offsets in VT units unless said. */
export const BN_PARTIAL_PARAMS = defineParams('batchnorm:partial', {
  N: 'u32',
  C: 'u32',
  SV: 'u32', // S in VT units
  parts: 'u32', // partials per channel: PN · PS
  PN: 'u32',
  PS: 'u32',
  x_offset: 'u32',
  g_offset: 'u32',
  row: 'u32', // invocations per grid row
  x_scalar_offset: 'u32', // chan's element offset (grad: the mean row)
  y_offset: 'u32', // the saved output (grad_relu)
});

/** Section finalize: the channel table chan [5, C], from the partials (train) or the running stats (eval). */
export const BN_FINALIZE_PARAMS = defineParams('batchnorm:finalize', {
  C: 'u32',
  parts: 'u32',
  count: 'f32', // elements per channel, N · S
  eps: 'f32',
  x_offset: 'u32', // train: k = x[x_offset + c·S] is the partials' shift
  S: 'u32',
  has_weight: 'u32',
  has_bias: 'u32',
  mean_offset: 'u32', // eval: running_mean's element offset
  var_offset: 'u32', // eval: running_var's element offset
});

/** Section gradfin: the gradient coefficients [6, C]. */
export const BN_GRADFIN_PARAMS = defineParams('batchnorm:gradfin', {
  C: 'u32',
  parts: 'u32',
  count: 'f32', // elements per channel, N · S
  training: 'u32',
});

/** Section apply: the streaming pass. */
export const BN_APPLY_PARAMS = defineParams('batchnorm:apply', {
  numel: 'u32', // in VT units
  SV: 'u32',
  C: 'u32',
  row: 'u32', // see INDEX: rows per z layer (rows variant), invocations per grid row (flat)
  in0_offset: 'u32', // in VT units
  in1_offset: 'u32',
  out_offset: 'u32',
  r0: 'u32', // element offsets of the coefficient rows
  r1: 'u32',
  r2: 'u32',
  r3: 'u32',
});
