// gather.wgsl — out[c] = src[c with c[dim] := index[c]], one output element per invocation.
//
// torch.gather semantics: out has index's shape; every other dim of index must be no
// larger than src's. index_select is gather with an index expanded (stride 0) over the
// other dims, so it shares this kernel. Bindings: 0 = Params; 1 = src (read, any strides);
// 2 = index (read, i32, any strides); 3 = out (read_write, contiguous); 4 = index faults.
// An out-of-range index writes `fill_bits` (a NaN for f32, 0 for integers) instead of a
// plausible value and is recorded in the faults buffer; the next readback throws the op's
// error (engine/kernels/index-faults.ts says why it is not checked on the host).

struct Params {
  numel: u32,
  row: u32,
  rank: u32,
  dim: u32,
  src_offset: u32,
  idx_offset: u32,
  src_dim_size: u32,
  fault_slot: u32,
  fill_bits: u32,
  _pad0: u32,
  _pad1: u32,
  _pad2: u32,
  shape: array<vec4<u32>, 2>,
  src_strides: array<vec4<u32>, 2>,
  idx_strides: array<vec4<u32>, 2>,
}

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> src: array<{{T}}>;
@group(0) @binding(2) var<storage, read> index: array<i32>;
@group(0) @binding(3) var<storage, read_write> out: array<{{T}}>;
{{INDEX_FAULTS}}

fn at(v: array<vec4<u32>, 2>, d: u32) -> u32 { return v[d / 4u][d % 4u]; }

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * P.row;
  if (i >= P.numel) { return; }
  var rem = i;
  var s = P.src_offset;
  var x = P.idx_offset;
  for (var d = i32(P.rank) - 1; d >= 0; d--) {
    let du = u32(d);
    let n = at(P.shape, du);
    let c = rem % n;
    rem = rem / n;
    x += c * at(P.idx_strides, du);
    if (du != P.dim) { s += c * at(P.src_strides, du); }
  }
  let j = index[x];
  if (j < 0 || j >= i32(P.src_dim_size)) {
    // out has index's shape, so i is the bad index's position in it.
    record_fault(P.fault_slot, i, j);
    out[i] = bitcast<{{T}}>(P.fill_bits);
    return;
  }
  out[i] = src[s + u32(j) * at(P.src_strides, P.dim)];
}
