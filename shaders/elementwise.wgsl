// elementwise.wgsl — out[i] = EXPR(inputs at i), one output element per invocation.
//
// Bindings: 0 = Params (uniform), 1..N = inputs (read-only storage, any element type),
// N+1 = output (read_write, contiguous). Inputs are read through their own strides, so
// transposed, sliced and broadcast views are consumed in place, never copied first.
// The output is usually contiguous; a strided output (filling a slice) walks its strides.
// An input whose layout matches the output's (contiguous, same shape) is read as x[off+i]
// with no index arithmetic — the common case, and the one that must run at memory speed.
//
// Vec4 variant: when the output and every input are contiguous and 4-aligned (inputs of a
// single element are read once), each invocation handles 4 consecutive elements through
// vec4 loads and stores — on lavapipe that is 4x fewer invocations for the same bytes,
// which is what lets a plain add run at memory speed. `numel` then counts vec4s.
//
// Workgroup: 256 invocations in x. Large tensors fold the grid into y because a dimension
// holds at most 65535 workgroups; `row` is the number of invocations per grid row.
// Specializations (see engine/kernels/elementwise.ts): the expression, the input/output
// element types, the rank, and which inputs are direct.

// struct Params: declared in engine/kernels/elementwise.ts (MAP_PARAMS)
{{PARAMS}}

@group(0) @binding(0) var<uniform> P: Params;
{{BINDINGS}}

{{FUNCTIONS}}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let q = gid.x + gid.y * P.row;
  if (q >= P.numel) { return; }
  let s0 = bitcast<f32>(P.s0_bits); let s1 = bitcast<f32>(P.s1_bits); let s2 = bitcast<f32>(P.s2_bits); let s3 = bitcast<f32>(P.s3_bits);
{{BODY}}
}
