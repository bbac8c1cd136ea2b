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

struct Params {
  numel: u32,
  row: u32,
  rank: u32,
  dim: u32,
  self_offset: u32,
  idx_offset: u32,
  src_offset: u32,
  idx_dim_size: u32,
  fault_slot: u32,
  _pad0: u32,
  _pad1: u32,
  _pad2: u32,
  shape: array<vec4<u32>, 2>,        // self / out shape
  idx_shape: array<vec4<u32>, 2>,
  self_strides: array<vec4<u32>, 2>,
  idx_strides: array<vec4<u32>, 2>,
  src_strides: array<vec4<u32>, 2>,
}

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> self_in: array<{{T}}>;
@group(0) @binding(2) var<storage, read> index: array<i32>;
@group(0) @binding(3) var<storage, read> src: array<{{T}}>;
@group(0) @binding(4) var<storage, read_write> out: array<{{T}}>;
{{INDEX_FAULTS}}

fn at(v: array<vec4<u32>, 2>, d: u32) -> u32 { return v[d / 4u][d % 4u]; }

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * P.row;
  if (i >= P.numel) { return; }
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
    let n = at(P.shape, du);
    let c = rem % n;
    rem = rem / n;
    self_at += c * at(P.self_strides, du);
    if (du == P.dim) {
      dest = c;
      pos_dim_stride = pos_stride;
    } else {
      inside = inside && c < at(P.idx_shape, du);
      x += c * at(P.idx_strides, du);
      s += c * at(P.src_strides, du);
      pos += c * pos_stride;
    }
    pos_stride *= at(P.idx_shape, du);
  }
  var acc = self_in[self_at];
  if (inside) {
    let xs = at(P.idx_strides, P.dim);
    let ss = at(P.src_strides, P.dim);
    let size = at(P.shape, P.dim);
    for (var j = 0u; j < P.idx_dim_size; j++) {
      let v = index[x + j * xs];
      if (u32(v) == dest) { acc += src[s + j * ss]; }
      if (dest == 0u && (v < 0 || u32(v) >= size)) { record_fault(P.fault_slot, pos + j * pos_dim_stride, v); }
    }
  }
  out[i] = acc;
}
