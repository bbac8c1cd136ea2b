// conv2d_wgrad_pack.wgsl — repacks conv2d's output gradient gy [n, G·Og, Ho, Wo] (one batch chunk)
// pixel-major for conv2d_wgrad.wgsl: Gp[(n·Ho·Wo + pixel)·G·Og4 + g·Og4 + o4] = the vec4 of output
// channels 4·o4 … 4·o4+3 of group g at that pixel, zero past Og. One pass over gy, small next to the
// grad-weight GEMM it feeds (Og·Cg·kh·kw multiply-adds per pixel).
// One invocation per vec4, pixels fastest so the four channel reads are contiguous across lanes;
// 256-wide workgroups, grid folded into y past 65535 groups.
// Bindings: 0 = Params; 1 = gy (f32, may be bound at a sub-range: g_offset from its start); 2 = Gp (vec4).

// struct Params: declared in engine/kernels/conv2d-params.ts
{{PARAMS}}

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> gy: array<f32>;
@group(0) @binding(2) var<storage, read_write> Gp: array<vec4<f32>>;

@compute @workgroup_size(256, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.y * P.row + gid.x;
  if (i >= P.total) { return; }
  let pixel = i % P.oplane;
  var t = i / P.oplane;
  let o4 = t % P.Og4;
  t = t / P.Og4;
  let g = t % P.groups;
  let n = t / P.groups;
  let base = P.g_offset + n * P.g_img + (g * P.Og + 4u * o4) * P.oplane + pixel;
  var v = vec4<f32>(0.0);
  for (var e = 0u; e < 4u; e++) {
    if (4u * o4 + e < P.Og) { v[e] = gy[base + e * P.oplane]; }
  }
  Gp[((n * P.oplane + pixel) * P.groups + g) * P.Og4 + o4] = v;
}
