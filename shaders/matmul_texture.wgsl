// matmul_texture.wgsl — C[b] = A[b] · B[b] with both operands read through rgba32float textures
// that matmul_pack_texture.wgsl filled (any layout, orientation and batch broadcast is resolved
// there): At texel (k4, ya + m) = A[m, 4k4 … 4k4+3], Bt texel (n4, yb + k) = B[k, 4n4 … 4n4+3],
// with ya = z·a_batch_rows and yb = z·b_batch_rows (0 where the operand is shared by the batch).
//
// Why textures (lavapipe 25.0): Mesa's gallivm treats a storage-buffer load as uniform only when
// its address is built from constants and push constants, so every load matmul.wgsl does — the
// A rows too, though all lanes ask for the same address — becomes a per-lane loop with an
// exec-mask test, a bounds check and a branch per float: ~13 instructions per lane and float,
// three quarters of that kernel's instructions. A texel fetch goes through the sampler code,
// which reads 8 lanes' texels with vector loads and shuffles. Measured at 1024³ on a 2-vCPU
// EPYC (Zen 4): matmul.wgsl 7-9 GFLOP/s; B from a texture 10-11; A and B from textures 16-19.
// The pack costs one read and write of A and B, small beside M·N·K from ~128³ on.
//
// Tile: as matmul.wgsl — a workgroup of WG invocations shares TM rows; each invocation owns TN4
// vec4 columns, WG apart. TN4 = 3 (12 columns): GFLOP/s with texture reads for 12x8 / 8x16 / 12x12
// per invocation at 512³ 17.0 / 18.2 / 16.7, 1024³ 16.6 / 17.1 / 19.5, 2048³ 14.2 / 16.1 / 16.7.
// Rows and columns are clamped for the loads, masked at the store.
// Bindings: 0 = Params; 1 = C (f32, read_write); 2 = At; 3 = Bt.

const TM = 12u;
const TN4 = 3u;
const WG = {{WG}}u;

// struct Params: declared in engine/kernels/matmul-texture.ts (MATMUL_TEXTURE_PARAMS)
{{PARAMS}}

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read_write> C: array<f32>;
@group(0) @binding(2) var At: texture_2d<f32>;
@group(0) @binding(3) var Bt: texture_2d<f32>;

@compute @workgroup_size(WG, 1, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let row0 = wid.y * TM;
  let col0 = wid.x * (WG * TN4) + lid.x;   // first vec4 column; the next is WG further
  let ya = wid.z * P.a_batch_rows;
  let yb = i32(wid.z * P.b_batch_rows);
  var a_y: array<i32, TM>;
  for (var r = 0u; r < TM; r++) { a_y[r] = i32(ya + min(row0 + r, P.M - 1u)); }
  var b_x: array<i32, TN4>;
  for (var j = 0u; j < TN4; j++) { b_x[j] = i32(min(col0 + j * WG, P.N4 - 1u)); }

  var acc: array<array<vec4<f32>, TN4>, TM>;
  for (var k4 = 0u; k4 < P.K4; k4++) {
    var a: array<vec4<f32>, TM>;
    for (var r = 0u; r < TM; r++) { a[r] = textureLoad(At, vec2<i32>(i32(k4), a_y[r]), 0); }
    var b: array<array<vec4<f32>, TN4>, 4>;
    let k = yb + i32(4u * k4);
    for (var kk = 0; kk < 4; kk++) {
      for (var j = 0u; j < TN4; j++) { b[kk][j] = textureLoad(Bt, vec2<i32>(b_x[j], k + kk), 0); }
    }
    for (var r = 0u; r < TM; r++) {
      for (var j = 0u; j < TN4; j++) {
        acc[r][j] += a[r].x * b[0][j] + a[r].y * b[1][j] + a[r].z * b[2][j] + a[r].w * b[3][j];
      }
    }
  }

  let c_base = P.c_offset + wid.z * P.M * P.N;
  for (var r = 0u; r < TM; r++) {
    let row = row0 + r;
    if (row >= P.M) { break; }
    for (var j = 0u; j < TN4; j++) {
      let col = 4u * (col0 + j * WG);
      for (var i = 0u; i < 4u; i++) {
        if (col + i < P.N) { C[c_base + row * P.N + col + i] = acc[r][j][i]; }
      }
    }
  }
}
