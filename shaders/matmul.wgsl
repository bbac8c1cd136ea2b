// matmul.wgsl — C[b] = A[b] · B[b] for row-major A [M,K] (K contiguous) and B [K,N]
// (N contiguous), fp32, batched with broadcast batch strides.
//
// Tile: each invocation owns a 4x8 block of C (4 rows, two vec4 columns), a workgroup of
// 8x8 invocations a 32x64 block. No workgroup memory and no barriers: on lavapipe a barrier
// splits the shader into separately scheduled pieces and a 16x16 shared-memory tile runs at
// 0.7 GFLOP/s, while this barrier-free register blocking reaches 10-15 GFLOP/s; on real
// GPUs the 32 accumulators and vec4 loads from L1/L2 still keep the ALUs busy.
// Requires K % 4 == 0, N % 4 == 0 and vec4-aligned offsets (the launcher checks and falls
// back to matmul_strided.wgsl otherwise). Rows past M and columns past N are clamped on
// load and masked on store.
// Bindings: 0 = Params; 1 = A (read, vec4); 2 = B (read, vec4); 3 = C (read_write, vec4).

struct Params {
  M: u32,
  N: u32,
  K: u32,
  batch_rank: u32,
  a_offset: u32,       // in vec4s
  b_offset: u32,
  c_offset: u32,
  _pad: u32,
  batch_shape: vec4<u32>,
  a_batch_strides: vec4<u32>,   // in vec4s, 0 where A is broadcast
  b_batch_strides: vec4<u32>,
}

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> A: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> B: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> C: array<vec4<f32>>;

@compute @workgroup_size(8, 8, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let col4 = gid.x * 2u;          // first of two vec4 columns
  let row = gid.y * 4u;
  let N4 = P.N / 4u;
  let K4 = P.K / 4u;
  if (row >= P.M || col4 >= N4) { return; }

  // Batch offsets: unflatten gid.z over the (broadcast) batch shape.
  var rem = gid.z;
  var a_base = P.a_offset;
  var b_base = P.b_offset;
  for (var d = i32(P.batch_rank) - 1; d >= 0; d--) {
    let n = P.batch_shape[d];
    let c = rem % n;
    rem = rem / n;
    a_base += c * P.a_batch_strides[d];
    b_base += c * P.b_batch_strides[d];
  }

  let r0 = min(row, P.M - 1u);
  let r1 = min(row + 1u, P.M - 1u);
  let r2 = min(row + 2u, P.M - 1u);
  let r3 = min(row + 3u, P.M - 1u);
  let c1 = min(col4 + 1u, N4 - 1u);

  var acc00 = vec4<f32>(0.0); var acc01 = vec4<f32>(0.0);
  var acc10 = vec4<f32>(0.0); var acc11 = vec4<f32>(0.0);
  var acc20 = vec4<f32>(0.0); var acc21 = vec4<f32>(0.0);
  var acc30 = vec4<f32>(0.0); var acc31 = vec4<f32>(0.0);

  for (var k4 = 0u; k4 < K4; k4++) {
    let a0 = A[a_base + r0 * K4 + k4];
    let a1 = A[a_base + r1 * K4 + k4];
    let a2 = A[a_base + r2 * K4 + k4];
    let a3 = A[a_base + r3 * K4 + k4];
    let kb = b_base + k4 * 4u * N4;
    let b00 = B[kb + col4];          let b01 = B[kb + c1];
    let b10 = B[kb + N4 + col4];     let b11 = B[kb + N4 + c1];
    let b20 = B[kb + 2u * N4 + col4]; let b21 = B[kb + 2u * N4 + c1];
    let b30 = B[kb + 3u * N4 + col4]; let b31 = B[kb + 3u * N4 + c1];
    acc00 += a0.x * b00 + a0.y * b10 + a0.z * b20 + a0.w * b30;
    acc01 += a0.x * b01 + a0.y * b11 + a0.z * b21 + a0.w * b31;
    acc10 += a1.x * b00 + a1.y * b10 + a1.z * b20 + a1.w * b30;
    acc11 += a1.x * b01 + a1.y * b11 + a1.z * b21 + a1.w * b31;
    acc20 += a2.x * b00 + a2.y * b10 + a2.z * b20 + a2.w * b30;
    acc21 += a2.x * b01 + a2.y * b11 + a2.z * b21 + a2.w * b31;
    acc30 += a3.x * b00 + a3.y * b10 + a3.z * b20 + a3.w * b30;
    acc31 += a3.x * b01 + a3.y * b11 + a3.z * b21 + a3.w * b31;
  }

  let c_base = P.c_offset + gid.z * P.M * N4;
  let second = col4 + 1u < N4;
  C[c_base + row * N4 + col4] = acc00;
  if (second) { C[c_base + row * N4 + col4 + 1u] = acc01; }
  if (row + 1u < P.M) {
    C[c_base + (row + 1u) * N4 + col4] = acc10;
    if (second) { C[c_base + (row + 1u) * N4 + col4 + 1u] = acc11; }
  }
  if (row + 2u < P.M) {
    C[c_base + (row + 2u) * N4 + col4] = acc20;
    if (second) { C[c_base + (row + 2u) * N4 + col4 + 1u] = acc21; }
  }
  if (row + 3u < P.M) {
    C[c_base + (row + 3u) * N4 + col4] = acc30;
    if (second) { C[c_base + (row + 3u) * N4 + col4 + 1u] = acc31; }
  }
}
