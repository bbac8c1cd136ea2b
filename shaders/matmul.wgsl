// matmul.wgsl — C[b] = A[b] · B[b], fp32, batched with broadcast batch strides; A and B
// are read in place in either orientation (the launcher fills the placeholders):
//   A_T = false: A is [M,K] with K contiguous (vec4 loads along K give 4 k's of one row)
//   A_T = true:  A is stored [K,M] (a transposed view); vec4 loads along M give one k of
//                4 rows. Needs M % 4 == 0.
//   B_T = false: B is [K,N] with N contiguous (vec4 loads along N)
//   B_T = true:  B is stored [N,K] (a transposed view); vec4 loads along K give 4 k's of
//                one column, transposed in registers (free: just renaming components).
// Always K % 4 == 0, N % 4 == 0 and vec4-aligned offsets and strides; otherwise the
// launcher uses matmul_strided.wgsl. C is contiguous.
//
// Tile: a workgroup of WG invocations in a row (x only). All of them share the same TM=12
// rows of C, picked by workgroup_id.y, and each owns TN4=2 vec4 columns (8 outputs),
// interleaved WG apart so neighbouring invocations read neighbouring vec4s of B.
//
// Why this shape (lavapipe, 2 cores, GFLOP/s at 256/512/1024/2048, A and B row-major):
//  - llvmpipe runs 8 invocations as one 8-wide SIMD program. The rows come from workgroup_id
//    so that the A loads are the same address in every lane, which a GPU serves as one
//    broadcast. lavapipe 25.0 does not: it makes a storage-buffer load scalar only when the
//    address is built from constants and push constants (nir_src_is_always_uniform, not
//    divergence analysis), so every load here, A's too, is a per-lane loop with an
//    active-lane test, a bounds check and a branch per float (~13 instructions per lane and
//    float, GALLIVM_DEBUG=asm with MESA_SHADER_CACHE_DISABLE=true). That is why products
//    from 128³ on go through textures on lavapipe (matmul_texture.wgsl, ~2x); this
//    kernel serves the smaller ones and every GPU.
//  - this kernel, as written (loops over const-sized arrays, which NIR fully unrolls into
//    registers): 19.9 / 22.2 / 22.5 / 20.3; Aᵀ 20.4/20.4/22.2/17.7, Bᵀ 19.7/22.1/23.4/23.4,
//    AᵀBᵀ 18.2/20.4/22.3/20.9 (tfjs-backend-webgpu: 5.5 at 1024).
//  - the previous kernel (4x8 per invocation, 8x8 workgroup, A and B both gathered):
//    ~14 (one product per synchronize, which rounds to the ~1.2 ms wait granularity;
//    the figures above time several) / 15.5 / 15.6 / 12.5. Generated fully-unrolled variants with uniform rows,
//    TMx(4·TN4) per invocation, WG 8, at 512/1024: 4x4 15.5/15.2; 8x4 15.5/16.3;
//    16x4 15.6/16.3; 8x8 19.0/19.8; 6x8 17.7/18.0; 8x12 19.0/21.4; 12x8 20.5/21.4;
//    4x16 15.7/16.2; 8x16 15.5/15.4; 16x8 15.6/15.9; 12x12 12.5/14.5; 32x4 9.4/9.5.
//    Past ~24 vec4 accumulators LLVM spills them (32 vector registers) and speed drops.
//    The loop form of 8x8 / 8x12 / 16x8 / 12x12: 20.4/19.8, 18.9/11.2, 17.7/18.0, 15.5/20.2.
//  - scalar per-lane columns instead of vec4 (8x4: 14.2, 16x2: 10.1 at 1024) lose, and so
//    does picking a lane's value out of uniform loads with select(): NIR folds the select
//    into the load address, back to a gather (2.7-5.1). fma() gains nothing: llvmpipe
//    lowers it to mul + add.
//  - no workgroup memory and no barriers: a barrier turns the shader into a coroutine
//    resumed once per SIMD group, and a shared-memory 16x16 tile ran at 0.7 GFLOP/s.
//  - WG: 8 (one SIMD group) on CPU adapters; 16 is the same on square products but loses
//    on narrow ones (batched 128x[64,64]²: 15.3 vs 9.3), 32 loses ~15 % everywhere. On
//    GPUs the launcher uses 32-64: the TM rows of A are then one broadcast load per warp,
//    B loads are coalesced (neighbouring invocations read neighbouring vec4s), and B is
//    reused across workgroups from L2.
// Bounds: rows and columns are clamped once, outside the K loop (so no shape
// specialization is needed: the loop has no checks); stores are masked.
// Bindings: 0 = Params; 1 = A (read, vec4); 2 = B (read, vec4); 3 = C (read_write, vec4).

const A_T = {{A_T}};
const B_T = {{B_T}};
const TM = 12u;
const TN4 = 2u;
const WG = {{WG}}u;

// struct Params: declared in engine/kernels/matmul.ts (MATMUL_PARAMS)
{{PARAMS}}

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> A: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> B: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> C: array<vec4<f32>>;

@compute @workgroup_size(WG, 1, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let N4 = P.N / 4u;
  let K4 = P.K / 4u;
  let row0 = wid.y * TM;
  let col0 = wid.x * (WG * TN4) + lid.x;   // first vec4 column; the next is WG further

  // Batch offsets: unflatten workgroup_id.z over the (broadcast) batch shape.
  var rem = wid.z;
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

  // Clamped (so in-bounds) load positions; rows and columns past the edge are computed
  // from duplicates and dropped at the store.
  var a_at: array<u32, TM>;             // A_T: per group of 4 rows (first TM/4 used)
  if (A_T) {
    for (var r = 0u; r < TM / 4u; r++) { a_at[r] = a_base + min(row0 / 4u + r, P.M / 4u - 1u); }
  } else {
    for (var r = 0u; r < TM; r++) { a_at[r] = a_base + min(row0 + r, P.M - 1u) * P.a_stride; }
  }
  var b_at: array<u32, 4u * TN4>;       // B_T: per column; else per vec4 column (first TN4)
  if (B_T) {
    for (var j = 0u; j < 4u * TN4; j++) {
      b_at[j] = b_base + min((col0 + (j / 4u) * WG) * 4u + j % 4u, P.N - 1u) * P.b_stride;
    }
  } else {
    for (var j = 0u; j < TN4; j++) { b_at[j] = b_base + min(col0 + j * WG, N4 - 1u); }
  }

  var acc: array<array<vec4<f32>, TN4>, TM>;
  for (var k4 = 0u; k4 < K4; k4++) {
    // a[r]: k = 4·k4 .. 4·k4+3 of row r. Uniform across the workgroup.
    var a: array<vec4<f32>, TM>;
    if (A_T) {
      for (var r4 = 0u; r4 < TM / 4u; r4++) {
        let q0 = A[a_at[r4] + (4u * k4) * P.a_stride];
        let q1 = A[a_at[r4] + (4u * k4 + 1u) * P.a_stride];
        let q2 = A[a_at[r4] + (4u * k4 + 2u) * P.a_stride];
        let q3 = A[a_at[r4] + (4u * k4 + 3u) * P.a_stride];
        a[4u * r4] = vec4(q0.x, q1.x, q2.x, q3.x);
        a[4u * r4 + 1u] = vec4(q0.y, q1.y, q2.y, q3.y);
        a[4u * r4 + 2u] = vec4(q0.z, q1.z, q2.z, q3.z);
        a[4u * r4 + 3u] = vec4(q0.w, q1.w, q2.w, q3.w);
      }
    } else {
      for (var r = 0u; r < TM; r++) { a[r] = A[a_at[r] + k4]; }
    }
    // b[kk][j]: the 4 columns of vec4 column j at k = 4·k4 + kk. Per-lane loads.
    var b: array<array<vec4<f32>, TN4>, 4>;
    if (B_T) {
      for (var j = 0u; j < TN4; j++) {
        let c0 = B[b_at[4u * j] + k4];
        let c1 = B[b_at[4u * j + 1u] + k4];
        let c2 = B[b_at[4u * j + 2u] + k4];
        let c3 = B[b_at[4u * j + 3u] + k4];
        b[0][j] = vec4(c0.x, c1.x, c2.x, c3.x);
        b[1][j] = vec4(c0.y, c1.y, c2.y, c3.y);
        b[2][j] = vec4(c0.z, c1.z, c2.z, c3.z);
        b[3][j] = vec4(c0.w, c1.w, c2.w, c3.w);
      }
    } else {
      for (var kk = 0u; kk < 4u; kk++) {
        for (var j = 0u; j < TN4; j++) { b[kk][j] = B[b_at[j] + (4u * k4 + kk) * P.b_stride]; }
      }
    }
    for (var r = 0u; r < TM; r++) {
      for (var j = 0u; j < TN4; j++) {
        acc[r][j] += a[r].x * b[0][j] + a[r].y * b[1][j] + a[r].z * b[2][j] + a[r].w * b[3][j];
      }
    }
  }

  let c_base = P.c_offset + wid.z * P.M * N4;
  for (var j = 0u; j < TN4; j++) {
    let col = col0 + j * WG;
    if (col >= N4) { break; }
    for (var r = 0u; r < TM; r++) {
      if (row0 + r >= P.M) { break; }
      C[c_base + (row0 + r) * N4 + col] = acc[r][j];
    }
  }
}
