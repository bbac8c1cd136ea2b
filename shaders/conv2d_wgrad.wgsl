// conv2d_wgrad.wgsl — gradient of conv2d w.r.t. its weight, fp32, NCHW:
//   dW[g·Og + o, c, ky, kx] (+)= Σ_{n, oy, ox} gy[n, g·Og + o, oy, ox] · x[n, g·Cg + c, oy·s - p + ky·d, ox·s - p + kx·d]
// an implicit GEMM (gyᵀ · patches) whose reduction runs over every output pixel of the batch.
// gy comes repacked pixel-major by conv2d_wgrad_pack.wgsl: Gp[pixel, g, o4] (vec4, output channels
// contiguous, zero-padded to a multiple of 4), so the per-lane loads are vec4s of neighbouring
// columns as in conv2d.wgsl's forward — not one load per channel plane, 8 planes apart, per lane.
//
// Tile: a workgroup of WG invocations shares TM=12 rows, picked by the workgroup id, so the x loads
// are the same address in every lane (a broadcast on GPUs; lavapipe 25.0 still loops over the
// lanes, see matmul.wgsl's header); each invocation owns TN4=2 vec4
// columns (8 output channels) WG apart. A pixel step costs 12 shared loads and 2 vec4 loads for
// 96 multiply-adds, the forward's ratio. No workgroup memory, no barriers (see matmul.wgsl).
// Rows:
//   FOLD_KX = false: 12 input channels c of one tap (ky, kx). All rows share the tap, hence the
//     padding: for each oy the kernel loops only over the ox whose source column is inside the image.
//   FOLD_KX = true (fewer than 12 input channels per group, e.g. the 3-channel stem): the (c, kx)
//     pairs of one ky, so a 7x7 stem fills 2 tiles of 12 per ky instead of 49 tiles with 3 of 12 rows
//     used. Rows then differ in kx: each checks its own source column (uniform, scalar) per pixel.
// ACCUMULATE adds to dW (batch chunks after the first); otherwise dW is overwritten.
// Bindings: 0 = Params; 1 = x (f32); 2 = Gp (vec4); 3 = dW (f32, read_write, [O, Cg, kh, kw]).
// x may be bound at a sub-range (batch chunks): x_offset is from the binding's start.

const ACCUMULATE = {{ACCUMULATE}};
const FOLD_KX = {{FOLD_KX}};
const TM = 12u;
const TN4 = 2u;
const WG = {{WG}}u;

// struct Params: declared in engine/kernels/conv2d-params.ts
{{PARAMS}}

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> Gp: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> dW: array<f32>;

fn ceil_div(a: i32, b: i32) -> i32 {
  // b > 0; rounds toward +infinity for either sign of a
  return select(a / b, (a + b - 1) / b, a > 0);
}

@compute @workgroup_size(WG, 1, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let g = wid.x / P.col_tiles;
  let col0 = (wid.x % P.col_tiles) * (WG * TN4) + lid.x;   // first vec4 column; the next is WG further
  let outer = wid.y / P.row_tiles;                           // the tap, or ky when FOLD_KX
  let k0 = (wid.y % P.row_tiles) * TM;
  let plane = P.H * P.W;
  let oplane = P.Ho * P.Wo;
  var ky = outer / P.KW;
  if (FOLD_KX) { ky = outer; }

  // Per row: the channel plane and the source column offset of ox = 0 (ix = ox·s + off_x[r]).
  var x_at: array<u32, TM>;
  var off_x: array<i32, TM>;
  for (var r = 0u; r < TM; r++) {
    let k = min(k0 + r, P.rows - 1u);
    var c = k;
    var kx = outer % P.KW;
    if (FOLD_KX) { c = k / P.KW; kx = k % P.KW; }
    x_at[r] = P.x_offset + (g * P.Cg + c) * plane;
    off_x[r] = i32(kx * P.dil_x) - P.pad_x;
  }
  var b_at: array<u32, TN4>;
  for (var j = 0u; j < TN4; j++) { b_at[j] = g * P.Og4 + min(col0 + j * WG, P.Og4 - 1u); }

  // Shared kx: only the output columns whose source column lies inside [0, W).
  var ox_lo = 0u;
  var ox_hi = P.Wo;
  if (!FOLD_KX) {
    ox_lo = u32(clamp(ceil_div(-off_x[0], i32(P.stride_x)), 0, i32(P.Wo)));
    ox_hi = u32(clamp(ceil_div(i32(P.W) - off_x[0], i32(P.stride_x)), i32(ox_lo), i32(P.Wo)));
  }
  let off_y = i32(ky * P.dil_y) - P.pad_y;

  var acc: array<array<vec4<f32>, TN4>, TM>;
  for (var n = 0u; n < P.batch; n++) {
    for (var oy = 0u; oy < P.Ho; oy++) {
      let iy = i32(oy * P.stride_y) + off_y;
      if (iy < 0 || iy >= i32(P.H)) { continue; }
      let x_row = n * P.x_img + u32(iy) * P.W;
      var gi = (n * oplane + oy * P.Wo + ox_lo) * P.g_pixel;
      for (var ox = ox_lo; ox < ox_hi; ox++) {
        var a: array<f32, TM>;
        let ix0 = i32(ox * P.stride_x);
        for (var r = 0u; r < TM; r++) {
          let ix = ix0 + off_x[r];
          if (FOLD_KX) {
            let inside = ix >= 0 && ix < i32(P.W);
            a[r] = select(0.0, x[x_at[r] + x_row + u32(clamp(ix, 0, i32(P.W) - 1))], inside);
          } else {
            a[r] = x[x_at[r] + x_row + u32(ix)];
          }
        }
        var b: array<vec4<f32>, TN4>;
        for (var j = 0u; j < TN4; j++) { b[j] = Gp[b_at[j] + gi]; }
        for (var r = 0u; r < TM; r++) {
          for (var j = 0u; j < TN4; j++) { acc[r][j] += a[r] * b[j]; }
        }
        gi += P.g_pixel;
      }
    }
  }

  let taps = P.taps;
  for (var j = 0u; j < TN4; j++) {
    let c4 = col0 + j * WG;
    if (c4 >= P.Og4) { break; }
    for (var e = 0u; e < 4u; e++) {
      let o = 4u * c4 + e;
      if (o >= P.Og) { break; }
      for (var r = 0u; r < TM; r++) {
        let k = k0 + r;
        if (k >= P.rows) { break; }
        var c = k;
        var tap = outer;
        if (FOLD_KX) { c = k / P.KW; tap = outer * P.KW + k % P.KW; }
        let i = ((g * P.Og + o) * P.Cg + c) * taps + tap;
        var v = acc[r][j][e];
        if (ACCUMULATE) { v += dW[i]; }
        dW[i] = v;
      }
    }
  }
}
