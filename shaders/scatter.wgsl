// scatter.wgsl — out = self + scatter_add(dim, index, src), one OUTPUT element per
// invocation: each output sums the src elements whose index points at it.
//
// Looping over index's `dim` extent per output costs O(out · index.size(dim)) but needs no
// float atomics (WGSL has none) and adds in a fixed order, so results are deterministic
// run to run — the backward of gather/index_select/max(dim) relies on this.
// Bindings: 0 = Params; 1 = self (read); 2 = index (read, i32); 3 = src (read);
// 4 = out (read_write, contiguous, self's shape); 5 = index faults. Each index element is
// range-checked once, by the invocation for output position 0 along `dim`; a bad one adds
// nowhere and is recorded, so the next readback throws (engine/kernels/index-faults.ts).

// struct Params: declared in engine/kernels/indexing.ts (SCATTER_PARAMS)
{{PARAMS}}

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> self_in: array<{{T}}>;
@group(0) @binding(2) var<storage, read> index: array<i32>;
@group(0) @binding(3) var<storage, read> src: array<{{T}}>;
@group(0) @binding(4) var<storage, read_write> out: array<{{T}}>;
{{INDEX_FAULTS}}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * P.row;
  if (i >= P.numel) { return; }
  var shape = array<u32, 8>(P.shape0, P.shape1, P.shape2, P.shape3, P.shape4, P.shape5, P.shape6, P.shape7);
  var idx_shape = array<u32, 8>(P.idx_shape0, P.idx_shape1, P.idx_shape2, P.idx_shape3, P.idx_shape4, P.idx_shape5, P.idx_shape6, P.idx_shape7);
  var self_strides = array<u32, 8>(P.self_stride0, P.self_stride1, P.self_stride2, P.self_stride3, P.self_stride4, P.self_stride5, P.self_stride6, P.self_stride7);
  var idx_strides = array<u32, 8>(P.idx_stride0, P.idx_stride1, P.idx_stride2, P.idx_stride3, P.idx_stride4, P.idx_stride5, P.idx_stride6, P.idx_stride7);
  var src_strides = array<u32, 8>(P.src_stride0, P.src_stride1, P.src_stride2, P.src_stride3, P.src_stride4, P.src_stride5, P.src_stride6, P.src_stride7);
  var rem = i;
  var self_at = P.self_offset;
  var x = P.idx_offset;
  var s = P.src_offset;
  var dest = 0u;
  var inside = true;
  // Row-major position of index element (c…, j) in the index tensor: pos + j * pos_dim_stride.
  var pos = 0u;
  var pos_stride = 1u;
  var pos_dim_stride = 0u;
  for (var d = i32(P.rank) - 1; d >= 0; d--) {
    let du = u32(d);
    let n = shape[du];
    let c = rem % n;
    rem = rem / n;
    self_at += c * self_strides[du];
    if (du == P.dim) {
      dest = c;
      pos_dim_stride = pos_stride;
    } else {
      inside = inside && c < idx_shape[du];
      x += c * idx_strides[du];
      s += c * src_strides[du];
      pos += c * pos_stride;
    }
    pos_stride *= idx_shape[du];
  }
  var acc = self_in[self_at];
  if (inside) {
    let xs = idx_strides[P.dim];
    let ss = src_strides[P.dim];
    let size = shape[P.dim];
    for (var j = 0u; j < P.idx_dim_size; j++) {
      let v = index[x + j * xs];
      if (u32(v) == dest) { acc += src[s + j * ss]; }
      if (dest == 0u && (v < 0 || u32(v) >= size)) { record_fault(P.fault_slot, pos + j * pos_dim_stride, v); }
    }
  }
  out[i] = acc;
}
