// reduce.wgsl — reduces each row of a contiguous [outer, len] block to `parts` partial
// results: invocation (row, part) folds elements part, part+parts, part+2·parts, …
//
// Bindings: 0 = Params; 1 = x (read); 2 = incoming indices (read, arg reductions after
// the first pass only); then out (read_write) and, for arg reductions, out_index.
//
// Why interleaved partials instead of a workgroup tree: neighbouring invocations read
// neighbouring elements (coalesced on GPUs, one vector load per 8-wide subgroup on
// lavapipe) and there is no barrier, which lavapipe executes slowly. Large reductions
// run as 2–3 passes (len → parts → 1), each pass a separate dispatch.
// Specializations: OP (sum | max | min), element type, whether indices are tracked and
// whether they come from a previous pass.

// struct Params: declared in engine/kernels/reduce.ts
{{PARAMS}}

@group(0) @binding(0) var<uniform> P: Params;
{{BINDINGS}}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let t = gid.x + gid.y * P.row;
  if (t >= P.outer * P.parts) { return; }
  let row = t / P.parts;
  let part = t % P.parts;
  let base = P.in_offset + row * P.len;
  var acc: {{ACC}} = {{INIT}};
  var acc_i: i32 = -1;
  for (var r = part; r < P.len; r += P.parts) {
    let v = x[base + r];
    {{STEP}}
  }
  {{STORE}}
}
