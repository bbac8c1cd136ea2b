// matmul_pack_texture.wgsl — copies one matmul operand (any strided view, with broadcast batch
// dims) into an rgba32float texture for matmul_texture.wgsl: texel (x, z·ROWS_OUT + r) holds
// elements 4x … 4x+3 of row r of batch matrix z, where a row runs along the dim the product sums
// over for A (K) and along the columns for B (N). Elements past the row's end and rows past
// `rows` (up to rows_out, B's K rounded up to 4) are written as 0, so the product's padding
// multiplies zeros and never reads a neighbouring batch's values.
// One invocation per texel. Bindings: 0 = Params; 1 = src (f32); 2 = the texture (write-only).

// struct Params: declared in engine/kernels/matmul-texture.ts (MATMUL_PACK_PARAMS)
{{PARAMS}}

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var dst: texture_storage_2d<rgba32float, write>;

@compute @workgroup_size(64, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let x = gid.x;
  let r = gid.y;
  if (x >= P.texels || r >= P.rows_out) { return; }
  // Batch offset: unflatten z over the (broadcast) batch shape.
  var rem = gid.z;
  var base = P.offset;
  let shape = array<u32, 4>(P.batch_shape0, P.batch_shape1, P.batch_shape2, P.batch_shape3);
  let strides = array<u32, 4>(P.batch_stride0, P.batch_stride1, P.batch_stride2, P.batch_stride3);
  for (var d = i32(P.batch_rank) - 1; d >= 0; d--) {
    let n = shape[d];
    base += (rem % n) * strides[d];
    rem = rem / n;
  }
  var v = vec4<f32>(0.0);
  if (r < P.rows) {
    for (var i = 0u; i < 4u; i++) {
      let c = 4u * x + i;
      if (c < P.cols) { v[i] = src[base + r * P.row_stride + c * P.col_stride]; }
    }
  }
  textureStore(dst, vec2<i32>(i32(x), i32(gid.z * P.rows_out + r)), v);
}
