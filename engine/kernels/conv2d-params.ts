// The parameter blocks of the conv2d kernel family, declared once (params.ts): each shader gets its
// `struct Params` from these, and its launcher in conv2d.ts packs values by these names.

import { defineParams } from './params.js';

/** shaders/conv2d.wgsl (forward and grad-input): the row grid, source and output geometry, epilogue offsets. */
export const CONV2D_PARAMS = defineParams('conv2d', {
  rows: 'u32', // n·Qh·Qw for this dispatch
  Qh: 'u32',
  Qw: 'u32',
  tiles_y: 'u32', // workgroups along y (row tiles fold into y and z)
  S: 'u32', // channels summed per group
  Hs: 'u32',
  Ws: 'u32',
  src_img: 'u32', // elements per source image (all channels)
  src_offset: 'u32',
  NC: 'u32', // output channels per group
  NC4: 'u32', // NC rounded up to 4, in vec4s
  col_tiles: 'u32', // workgroups along x per group
  KH: 'u32',
  KW: 'u32',
  A_Y: 'u32',
  A_X: 'u32',
  TM_Y: 'i32',
  TB_Y: 'i32',
  TD_Y: 'i32',
  TM_X: 'i32',
  TB_X: 'i32',
  TD_X: 'i32',
  Ho: 'u32', // full output plane (for grad-input: the input's H, W)
  Wo: 'u32',
  out_img: 'u32',
  out_offset: 'u32',
  OS_Y: 'u32', // out pixel = (qy·OS_Y + OP_Y, qx·OS_X + OP_X)
  OS_X: 'u32',
  OP_Y: 'u32',
  OP_X: 'u32',
  bias_offset: 'u32',
  res_offset: 'u32', // residual's element offset (same layout as out), when there is one
});

/** shaders/conv2d_wgrad.wgsl (grad-weight). */
export const WGRAD_PARAMS = defineParams('conv2d_wgrad', {
  batch: 'u32',
  Cg: 'u32',
  H: 'u32',
  W: 'u32',
  x_img: 'u32',
  x_offset: 'u32',
  Og: 'u32',
  Og4: 'u32', // Og rounded up to 4, in vec4s
  Ho: 'u32',
  Wo: 'u32',
  g_pixel: 'u32', // vec4s per pixel of Gp (groups · Og4)
  col_tiles: 'u32', // workgroups along x per group
  row_tiles: 'u32', // workgroups along y per tap (FOLD_KX: per ky)
  rows: 'u32', // rows per tap: Cg (FOLD_KX: Cg · KW)
  KW: 'u32',
  stride_y: 'u32',
  stride_x: 'u32',
  pad_y: 'i32',
  pad_x: 'i32',
  dil_y: 'u32',
  dil_x: 'u32',
  taps: 'u32',
});

/** shaders/conv2d_wgrad_pack.wgsl (gy repacked pixel-major for grad-weight). */
export const WGRAD_PACK_PARAMS = defineParams('conv2d_wgrad_pack', {
  total: 'u32', // batch · oplane · G · Og4
  row: 'u32', // invocations per grid row
  oplane: 'u32', // Ho · Wo
  Og: 'u32',
  Og4: 'u32',
  groups: 'u32',
  g_img: 'u32', // elements per gy image (all channels)
  g_offset: 'u32',
});

/** shaders/conv2d_pack.wgsl (weight repacked for the forward or grad-input). */
export const PACK_PARAMS = defineParams('conv2d_pack', {
  total: 'u32', // G · taps · S · NCP
  row: 'u32', // invocations per grid row
  taps: 'u32', // kh·kw
  S: 'u32',
  NC: 'u32',
  NCP: 'u32',
  Og: 'u32', // output channels per group
  Cg: 'u32', // input channels per group
  swap: 'u32',
  w_offset: 'u32',
});
