// matmul_strided.wgsl — C[b] = A[b] · B[b] for operands of any strides (transposed or
// sliced views read in place) and any M, N, K. fp32, scalar loads.
//
// Tile: each invocation owns a 4x4 block of C, a workgroup of 8x8 invocations a 32x32
// block; like matmul.wgsl it uses registers only (no barriers, see there for why). This is
// the fallback for layouts the vec4 kernel cannot read; the launcher prefers that one.
// Bindings: 0 = Params; 1 = A (read); 2 = B (read); 3 = C (read_write, contiguous).

// struct Params: declared in engine/kernels/matmul.ts (MATMUL_STRIDED_PARAMS)
{{PARAMS}}

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read> B: array<f32>;
@group(0) @binding(3) var<storage, read_write> C: array<f32>;

@compute @workgroup_size(8, 8, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let col = gid.x * 4u;
  let row = gid.y * 4u;
  if (row >= P.M || col >= P.N) { return; }
  var rem = gid.z;
  var a_base = P.a_offset;
  var b_base = P.b_offset;
  var batch_shape = array<u32, 4>(P.batch_shape0, P.batch_shape1, P.batch_shape2, P.batch_shape3);
  var a_batch_strides = array<u32, 4>(P.a_batch_stride0, P.a_batch_stride1, P.a_batch_stride2, P.a_batch_stride3);
  var b_batch_strides = array<u32, 4>(P.b_batch_stride0, P.b_batch_stride1, P.b_batch_stride2, P.b_batch_stride3);
  for (var d = i32(P.batch_rank) - 1; d >= 0; d--) {
    let n = batch_shape[d];
    let c = rem % n;
    rem = rem / n;
    a_base += c * a_batch_strides[d];
    b_base += c * b_batch_strides[d];
  }
  var rows: array<u32, 4>;
  var cols: array<u32, 4>;
  for (var i = 0u; i < 4u; i++) {
    rows[i] = a_base + min(row + i, P.M - 1u) * P.a_rs;
    cols[i] = b_base + min(col + i, P.N - 1u) * P.b_cs;
  }
  var acc: array<vec4<f32>, 4>;
  for (var k = 0u; k < P.K; k++) {
    let b = vec4<f32>(B[cols[0] + k * P.b_ks], B[cols[1] + k * P.b_ks], B[cols[2] + k * P.b_ks], B[cols[3] + k * P.b_ks]);
    for (var i = 0u; i < 4u; i++) {
      acc[i] += A[rows[i] + k * P.a_ks] * b;
    }
  }
  let c_base = P.c_offset + gid.z * P.M * P.N;
  for (var i = 0u; i < 4u; i++) {
    if (row + i >= P.M) { break; }
    for (var j = 0u; j < 4u; j++) {
      if (col + j < P.N) { C[c_base + (row + i) * P.N + col + j] = acc[i][j]; }
    }
  }
}
