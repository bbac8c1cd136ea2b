// conv2d_pack.wgsl — repacks a conv2d weight [O, C/groups, kh, kw] into the layout conv2d.wgsl
// reads: Wp[g, tap, s, col] with the columns (the kernel's output channels) contiguous and
// zero-padded to NCP (a multiple of 4), so they load as vec4s without bounds checks.
//   forward (SWAP = 0):    s = input channel c, col = output channel o (within group g)
//   grad-input (SWAP = 1): s = output channel o, col = input channel c
// One invocation per packed element (the weight is small next to the convolution it feeds);
// 256-wide workgroups, grid folded into y past 65535 groups.
// Bindings: 0 = Params; 1 = w (f32, contiguous); 2 = Wp (f32, read_write).

// struct Params: declared in engine/kernels/conv2d-params.ts
{{PARAMS}}

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read_write> Wp: array<f32>;

@compute @workgroup_size(256, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.y * P.row + gid.x;
  if (i >= P.total) { return; }
  let col = i % P.NCP;
  var t = i / P.NCP;
  let s = t % P.S;
  t = t / P.S;
  let tap = t % P.taps;
  let g = t / P.taps;
  var value = 0.0;
  if (col < P.NC) {
    let o = select(col, s, P.swap == 1u);
    let c = select(s, col, P.swap == 1u);
    value = w[P.w_offset + ((g * P.Og + o) * P.Cg + c) * P.taps + tap];
  }
  Wp[i] = value;
}
