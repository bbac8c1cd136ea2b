// gather.wgsl — out[c] = src[c with c[dim] := index[c]], one output element per invocation.
//
// torch.gather semantics: out has index's shape; every other dim of index must be no
// larger than src's. index_select is gather with an index expanded (stride 0) over the
// other dims, so it shares this kernel. Bindings: 0 = Params; 1 = src (read, any strides);
// 2 = index (read, i32, any strides); 3 = out (read_write, contiguous); 4 = index faults.
// An out-of-range index writes `fill_bits` (a NaN for f32, 0 for integers) instead of a
// plausible value and is recorded in the faults buffer; the next readback throws the op's
// error (engine/kernels/index-faults.ts says why it is not checked on the host).

// struct Params: declared in engine/kernels/indexing.ts (GATHER_PARAMS)
{{PARAMS}}

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> src: array<{{T}}>;
@group(0) @binding(2) var<storage, read> index: array<i32>;
@group(0) @binding(3) var<storage, read_write> out: array<{{T}}>;
{{INDEX_FAULTS}}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * P.row;
  if (i >= P.numel) { return; }
  var shape = array<u32, 8>(P.shape0, P.shape1, P.shape2, P.shape3, P.shape4, P.shape5, P.shape6, P.shape7);
  var src_strides = array<u32, 8>(P.src_stride0, P.src_stride1, P.src_stride2, P.src_stride3, P.src_stride4, P.src_stride5, P.src_stride6, P.src_stride7);
  var idx_strides = array<u32, 8>(P.idx_stride0, P.idx_stride1, P.idx_stride2, P.idx_stride3, P.idx_stride4, P.idx_stride5, P.idx_stride6, P.idx_stride7);
  var rem = i;
  var s = P.src_offset;
  var x = P.idx_offset;
  for (var d = i32(P.rank) - 1; d >= 0; d--) {
    let du = u32(d);
    let n = shape[du];
    let c = rem % n;
    rem = rem / n;
    x += c * idx_strides[du];
    if (du != P.dim) { s += c * src_strides[du]; }
  }
  let j = index[x];
  if (j < 0 || j >= i32(P.src_dim_size)) {
    // out has index's shape, so i is the bad index's position in it.
    record_fault(P.fault_slot, i, j);
    out[i] = bitcast<{{T}}>(P.fill_bits);
    return;
  }
  out[i] = src[s + u32(j) * src_strides[P.dim]];
}
