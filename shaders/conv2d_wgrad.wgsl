// conv2d_wgrad.wgsl — gradient of conv2d w.r.t. its weight, fp32, NCHW:
//   dW[g·Og + o, c, ky, kx] (+)= Σ_{n, oy, ox} gy[n, g·Og + o, oy, ox] · x[n, g·Cg + c, oy·s - p + ky·d, ox·s - p + kx·d]
// an implicit GEMM (gyᵀ · patches) whose reduction runs over every output pixel of the batch.
//
// Tile: a workgroup of WG=8 invocations shares TM=12 input channels c of one tap (ky, kx),
// picked by the workgroup id, so the x loads are uniform across the SIMD lanes (scalar load +
// broadcast) and — because all 12 rows share the tap — so is the padding: for each output row
// oy the kernel loops only over the ox whose source column is inside the image, with no checks
// in the loop. Each invocation owns TN=8 output channels o, WG apart: 8 per-lane loads of gy
// per output pixel for 96 multiply-adds, the same load-to-math ratio as matmul.wgsl. No
// workgroup memory, no barriers (see matmul.wgsl's header for why, on lavapipe).
// ACCUMULATE adds to dW (batch chunks after the first); otherwise dW is overwritten.
// Bindings: 0 = Params; 1 = x (f32); 2 = gy (f32); 3 = dW (f32, read_write, [O, Cg, kh, kw]).
// x and gy may be bound at sub-ranges (batch chunks): offsets are from the binding's start.

const ACCUMULATE = {{ACCUMULATE}};
const TM = 12u;
const TN = 8u;
const WG = {{WG}}u;

struct Params {
  batch: u32,
  Cg: u32,
  H: u32,
  W: u32,
  x_img: u32,
  x_offset: u32,
  Og: u32,
  Ho: u32,
  Wo: u32,
  g_img: u32,
  g_offset: u32,
  col_tiles: u32,   // workgroups along x per group
  c_tiles: u32,     // workgroups along y per tap
  KW: u32,
  stride_y: u32,
  stride_x: u32,
  pad_y: i32,
  pad_x: i32,
  dil_y: u32,
  dil_x: u32,
  taps: u32,
}

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> gy: array<f32>;
@group(0) @binding(3) var<storage, read_write> dW: array<f32>;

fn ceil_div(a: i32, b: i32) -> i32 {
  // b > 0; rounds toward +infinity for either sign of a
  return select(a / b, (a + b - 1) / b, a > 0);
}

@compute @workgroup_size(WG, 1, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let g = wid.x / P.col_tiles;
  let o0 = (wid.x % P.col_tiles) * (WG * TN) + lid.x;
  let tap = wid.y / P.c_tiles;
  let c0 = (wid.y % P.c_tiles) * TM;
  let ky = tap / P.KW;
  let kx = tap % P.KW;
  let plane = P.H * P.W;
  let oplane = P.Ho * P.Wo;

  var x_at: array<u32, TM>;
  for (var r = 0u; r < TM; r++) { x_at[r] = P.x_offset + (g * P.Cg + min(c0 + r, P.Cg - 1u)) * plane; }
  var g_at: array<u32, TN>;
  for (var j = 0u; j < TN; j++) { g_at[j] = P.g_offset + (g * P.Og + min(o0 + j * WG, P.Og - 1u)) * oplane; }

  // Output columns whose source column ix = ox·s - p + kx·d lies inside [0, W).
  let off_x = i32(kx * P.dil_x) - P.pad_x;
  let ox_lo = u32(clamp(ceil_div(-off_x, i32(P.stride_x)), 0, i32(P.Wo)));
  let ox_hi = u32(clamp(ceil_div(i32(P.W) - off_x, i32(P.stride_x)), i32(ox_lo), i32(P.Wo)));
  let off_y = i32(ky * P.dil_y) - P.pad_y;

  var acc: array<array<f32, TN>, TM>;
  for (var n = 0u; n < P.batch; n++) {
    for (var oy = 0u; oy < P.Ho; oy++) {
      let iy = i32(oy * P.stride_y) + off_y;
      if (iy < 0 || iy >= i32(P.H)) { continue; }
      var xi = n * P.x_img + u32(iy) * P.W + u32(i32(ox_lo * P.stride_x) + off_x);
      var gi = n * P.g_img + oy * P.Wo + ox_lo;
      for (var ox = ox_lo; ox < ox_hi; ox++) {
        var a: array<f32, TM>;
        for (var r = 0u; r < TM; r++) { a[r] = x[x_at[r] + xi]; }
        var b: array<f32, TN>;
        for (var j = 0u; j < TN; j++) { b[j] = gy[g_at[j] + gi]; }
        for (var r = 0u; r < TM; r++) {
          for (var j = 0u; j < TN; j++) { acc[r][j] += a[r] * b[j]; }
        }
        xi += P.stride_x;
        gi += 1u;
      }
    }
  }

  let taps = P.taps;
  for (var j = 0u; j < TN; j++) {
    let o = o0 + j * WG;
    if (o >= P.Og) { break; }
    for (var r = 0u; r < TM; r++) {
      let c = c0 + r;
      if (c >= P.Cg) { break; }
      let i = ((g * P.Og + o) * P.Cg + c) * taps + tap;
      var v = acc[r][j];
      if (ACCUMULATE) { v += dW[i]; }
      dW[i] = v;
    }
  }
}
