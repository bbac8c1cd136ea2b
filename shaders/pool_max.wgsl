// pool_max.wgsl — 2-D max pooling over the last two dims of a contiguous [planes, H, W] tensor
// (planes = N·C), and its backward, with PyTorch's max_pool2d semantics (padding counts as -inf,
// dilation, the first maximum in window order wins ties, NaN wins over numbers).
//   BACKWARD = false: one invocation per output: out[p, oy, ox] and idx[p, oy, ox] = iy·W + ix.
//   BACKWARD = true:  one invocation per input element: dx[p, iy, ix] = Σ g[p, oy, ox] over the
//                     windows containing (iy, ix) whose saved argmax is (iy, ix). Gathering per
//                     input element (instead of scattering per output) needs no atomics and is
//                     deterministic; only the windows that can contain the element are visited.
// Pooling reads each input a few times and does no arithmetic worth tiling: the kernel runs at
// memory speed with one element per invocation, 64-wide workgroups, grid folded into y.
// Bindings: 0 = Params; 1 = src (f32: x forward, g backward); 2 = dst (f32: out forward, dx
// backward); 3 = idx (i32: written forward, only read backward — bound read_write in both so one
// source compiles for both modes).

const BACKWARD = {{BACKWARD}};

// struct Params: declared in engine/kernels/pool-params.ts
{{PARAMS}}

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;
@group(0) @binding(3) var<storage, read_write> idx: array<i32>;

@compute @workgroup_size(64, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.y * P.row + gid.x;
  if (i >= P.total) { return; }
  if (BACKWARD) {
    let plane = i / (P.H * P.W);
    let iy = (i / P.W) % P.H;
    let ix = i % P.W;
    let here = i32(iy * P.W + ix);
    let base = plane * P.Ho * P.Wo;
    var acc = 0.0;
    for (var ky = 0u; ky < P.KH; ky++) {
      let ty = i32(iy + P.PY) - i32(ky * P.DY);
      if (ty < 0 || ty % i32(P.SY) != 0) { continue; }
      let oy = u32(ty) / P.SY;
      if (oy >= P.Ho) { continue; }
      for (var kx = 0u; kx < P.KW; kx++) {
        let tx = i32(ix + P.PX) - i32(kx * P.DX);
        if (tx < 0 || tx % i32(P.SX) != 0) { continue; }
        let ox = u32(tx) / P.SX;
        if (ox >= P.Wo) { continue; }
        let o = base + oy * P.Wo + ox;
        if (idx[P.idx_offset + o] == here) { acc += src[P.in_offset + o]; }
      }
    }
    dst[P.out_offset + i] = acc;
  } else {
    let plane = i / (P.Ho * P.Wo);
    let oy = (i / P.Wo) % P.Ho;
    let ox = i % P.Wo;
    let y0 = i32(oy * P.SY) - i32(P.PY);
    let x0 = i32(ox * P.SX) - i32(P.PX);
    let base = P.in_offset + plane * P.H * P.W;
    var found = false;
    var best = 0.0;
    var best_at = max(y0, 0) * i32(P.W) + max(x0, 0);
    for (var ky = 0u; ky < P.KH; ky++) {
      let iy = y0 + i32(ky * P.DY);
      if (iy < 0 || iy >= i32(P.H)) { continue; }
      for (var kx = 0u; kx < P.KW; kx++) {
        let ix = x0 + i32(kx * P.DX);
        if (ix < 0 || ix >= i32(P.W)) { continue; }
        let at = iy * i32(P.W) + ix;
        let v = src[base + u32(at)];
        if (!found || v > best || (v != v && best == best)) {
          found = true;
          best = v;
          best_at = at;
        }
      }
    }
    dst[P.out_offset + i] = best;
    idx[P.idx_offset + i] = best_at;
  }
}
