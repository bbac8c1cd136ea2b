// conv2d.wgsl — implicit-GEMM 2-D convolution, fp32, NCHW. One kernel serves the forward
// pass and the gradient w.r.t. the input (a transposed convolution), because both are
//   out[n, g·NC + col, pixel(q)] = Σ_{tap (ky,kx) valid} Σ_{s < S} src[n, g·S + s, src(q, tap)] · Wp[g, tap, s, col]
// over a grid of rows q = (n, qy, qx), with
//   src_y(q, ky) = qy·A_Y + (ky·TM_Y + TB_Y) / TD_Y   (a tap is used only where the division is exact)
// and the same along x. The launcher picks the numbers:
//   forward:    src = x, A = stride, TM = dilation, TB = -padding, TD = 1, S = C/groups, rows = output pixels;
//   grad-input: src = grad_out, A = 1, TM = -dilation, TB = phase + padding, TD = stride, S = O/groups,
//               rows = the input pixels of one stride phase (iy = qy·stride + phase), one dispatch per phase,
//               so every row of a tile shares the same set of valid taps (uniform, skipped as a whole).
// Wp is the weight repacked by conv2d_pack.wgsl as [groups, kh·kw, S, NC4·4] with the output channels
// contiguous and zero-padded to a multiple of 4 (so columns are vec4 loads with no bounds checks).
// Taps are the outer loop so a row's bounds check (padding) is done once per tap, not per channel.
//
// Tile: as matmul.wgsl, and for the same lavapipe reasons (see its header): a workgroup of WG=8
// invocations shares TM=12 rows (output pixels), picked by the workgroup id, so every load of
// src — including the padding checks and the patch addressing — is the same address in every lane
// (one broadcast on a GPU; on lavapipe 25.0 still a per-lane loop, see matmul.wgsl's header);
// each invocation owns TN4=2 vec4 columns (8 output channels) WG apart. A channel step costs 12
// shared loads and 2 vec4 gathers for 96 multiply-adds. No workgroup memory, no barriers.
// Epilogue (inference, BatchNorm folded into Wp and bias): ADD_RESIDUAL adds a tensor of out's shape,
// RELU clamps at 0 — relu(conv(x) + bias + residual) written once instead of three passes.
// Bindings: 0 = Params; 1 = src (f32); 2 = Wp (vec4); 3 = bias (f32, read only if HAS_BIAS);
// with a residual 4 = residual (f32); then out (f32, read_write). src, out and residual may be bound
// at a sub-range (batch chunks): offsets are in elements from the start of the binding.

const HAS_BIAS = {{HAS_BIAS}};
const RELU = {{RELU}};
const TM = 12u;
const TN4 = 2u;
const WG = {{WG}}u;

// struct Params: declared in engine/kernels/conv2d-params.ts
{{PARAMS}}

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read> Wp: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
{{RESIDUAL_BINDING}}
@group(0) @binding({{OUT_BINDING}}) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(WG, 1, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let row0 = (wid.z * P.tiles_y + wid.y) * TM;
  if (row0 >= P.rows) { return; }
  let g = wid.x / P.col_tiles;
  let col0 = (wid.x % P.col_tiles) * (WG * TN4) + lid.x;   // first vec4 column; the next is WG further
  let plane = P.Hs * P.Ws;
  let qplane = P.Qh * P.Qw;

  // Per row (clamped, so in bounds; duplicates are dropped at the store): image base and the
  // source position of tap offset 0.
  var r_base: array<u32, TM>;
  var r_y: array<i32, TM>;
  var r_x: array<i32, TM>;
  for (var r = 0u; r < TM; r++) {
    let q = min(row0 + r, P.rows - 1u);
    let n = q / qplane;
    let rem = q % qplane;
    r_base[r] = P.src_offset + n * P.src_img + g * P.S * plane;
    r_y[r] = i32((rem / P.Qw) * P.A_Y);
    r_x[r] = i32((rem % P.Qw) * P.A_X);
  }
  var b_at: array<u32, TN4>;
  let w_group = g * P.KH * P.KW * P.S * P.NC4;
  for (var j = 0u; j < TN4; j++) { b_at[j] = w_group + min(col0 + j * WG, P.NC4 - 1u); }

  var acc: array<array<vec4<f32>, TN4>, TM>;
  for (var ky = 0u; ky < P.KH; ky++) {
    let ny = i32(ky) * P.TM_Y + P.TB_Y;
    if (ny % P.TD_Y != 0) { continue; }
    let dy = ny / P.TD_Y;
    for (var kx = 0u; kx < P.KW; kx++) {
      let nx = i32(kx) * P.TM_X + P.TB_X;
      if (nx % P.TD_X != 0) { continue; }
      let dx = nx / P.TD_X;
      // Rows whose tap falls in the padding read element 0 of their image and weigh it by 0.
      var at: array<u32, TM>;
      var keep: array<f32, TM>;
      for (var r = 0u; r < TM; r++) {
        let sy = r_y[r] + dy;
        let sx = r_x[r] + dx;
        let inside = sy >= 0 && sy < i32(P.Hs) && sx >= 0 && sx < i32(P.Ws);
        at[r] = r_base[r] + select(0u, u32(sy) * P.Ws + u32(sx), inside);
        keep[r] = select(0.0, 1.0, inside);
      }
      var w_at = (ky * P.KW + kx) * P.S * P.NC4;
      for (var s = 0u; s < P.S; s++) {
        var a: array<f32, TM>;
        for (var r = 0u; r < TM; r++) { a[r] = src[at[r] + s * plane] * keep[r]; }
        var b: array<vec4<f32>, TN4>;
        for (var j = 0u; j < TN4; j++) { b[j] = Wp[b_at[j] + w_at]; }
        for (var r = 0u; r < TM; r++) {
          for (var j = 0u; j < TN4; j++) { acc[r][j] += a[r] * b[j]; }
        }
        w_at += P.NC4;
      }
    }
  }

  let oplane = P.Ho * P.Wo;
  for (var j = 0u; j < TN4; j++) {
    let c4 = col0 + j * WG;
    if (c4 >= P.NC4) { break; }
    for (var e = 0u; e < 4u; e++) {
      let col = 4u * c4 + e;
      if (col >= P.NC) { break; }
      let channel = g * P.NC + col;
      var add = 0.0;
      if (HAS_BIAS) { add = bias[P.bias_offset + channel]; }
      for (var r = 0u; r < TM; r++) {
        let q = row0 + r;
        if (q >= P.rows) { break; }
        let n = q / qplane;
        let rem = q % qplane;
        let oy = (rem / P.Qw) * P.OS_Y + P.OP_Y;
        let ox = (rem % P.Qw) * P.OS_X + P.OP_X;
        let at = n * P.out_img + channel * oplane + oy * P.Wo + ox;
        var v = acc[r][j][e] + add;
        {{ADD_RESIDUAL}}
        if (RELU) { v = max(v, 0.0); }
        out[P.out_offset + at] = v;
      }
    }
  }
}
