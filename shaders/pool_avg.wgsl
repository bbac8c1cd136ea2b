// pool_avg.wgsl — 2-D average pooling over the last two dims of a contiguous [planes, H, W]
// tensor (planes = N·C), and its backward, with PyTorch's semantics:
//   ADAPTIVE = false (avg_pool2d): window [o·s - p, o·s - p + k) clipped to [-p, n + p) for the
//     divisor when COUNT_PAD (count_include_pad) and to [0, n) for the sum; DIVISOR > 0 overrides.
//   ADAPTIVE = true (adaptive_avg_pool2d): window [floor(o·n/no), ceil((o+1)·n/no)), mean over it.
//   BACKWARD = false: one invocation per output, the mean of its window.
//   BACKWARD = true:  one invocation per input element: dx = Σ g[o] / divisor(o) over the windows
//                     o containing it (a gather: no atomics, deterministic).
// Memory-bound like pool_max.wgsl: one element per invocation, 64-wide workgroups, grid folded
// into y. Bindings: 0 = Params; 1 = x or g (f32); 2 = out or dx (f32).

const ADAPTIVE = {{ADAPTIVE}};
const BACKWARD = {{BACKWARD}};

// struct Params: declared in engine/kernels/pool-params.ts
{{PARAMS}}

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;

struct Window {
  lo: i32,     // clipped to the input
  hi: i32,
  size: i32,   // length for the divisor
}

fn window(o: u32, n: u32, n_out: u32, k: u32, s: u32, p: u32) -> Window {
  if (ADAPTIVE) {
    let lo = i32((o * n) / n_out);
    let hi = i32(((o + 1u) * n + n_out - 1u) / n_out);
    return Window(lo, hi, hi - lo);
  }
  let start = i32(o * s) - i32(p);
  let end = min(start + i32(k), i32(n + p));
  let lo = max(start, 0);
  let hi = min(end, i32(n));
  return Window(lo, hi, select(hi - lo, end - start, P.count_pad == 1u));
}

fn divisor(wy: Window, wx: Window) -> f32 {
  if (!ADAPTIVE && P.divisor > 0u) { return f32(P.divisor); }
  return f32(wy.size * wx.size);
}

// Outputs along one dim whose window can contain input position i: [first, last).
fn candidates(i: u32, n: u32, n_out: u32, k: u32, s: u32, p: u32) -> vec2<u32> {
  if (ADAPTIVE) {
    return vec2((i * n_out) / n, min(n_out, ((i + 1u) * n_out + n - 1u) / n));
  }
  let t = i32(i + p);
  let first = max(t - i32(k) + i32(s), 0) / i32(s);   // ceil((t - k + 1) / s), for t - k + 1 > 0
  let last = min(t / i32(s) + 1, i32(n_out));
  return vec2(u32(first), u32(max(last, first)));
}

@compute @workgroup_size(64, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.y * P.row + gid.x;
  if (i >= P.total) { return; }
  if (BACKWARD) {
    let plane = i / (P.H * P.W);
    let iy = (i / P.W) % P.H;
    let ix = i % P.W;
    let ry = candidates(iy, P.H, P.Ho, P.KH, P.SY, P.PY);
    let rx = candidates(ix, P.W, P.Wo, P.KW, P.SX, P.PX);
    var acc = 0.0;
    for (var oy = ry.x; oy < ry.y; oy++) {
      let wy = window(oy, P.H, P.Ho, P.KH, P.SY, P.PY);
      if (i32(iy) < wy.lo || i32(iy) >= wy.hi) { continue; }
      for (var ox = rx.x; ox < rx.y; ox++) {
        let wx = window(ox, P.W, P.Wo, P.KW, P.SX, P.PX);
        if (i32(ix) < wx.lo || i32(ix) >= wx.hi) { continue; }
        acc += src[P.in_offset + (plane * P.Ho + oy) * P.Wo + ox] / divisor(wy, wx);
      }
    }
    dst[P.out_offset + i] = acc;
  } else {
    let plane = i / (P.Ho * P.Wo);
    let oy = (i / P.Wo) % P.Ho;
    let ox = i % P.Wo;
    let wy = window(oy, P.H, P.Ho, P.KH, P.SY, P.PY);
    let wx = window(ox, P.W, P.Wo, P.KW, P.SX, P.PX);
    let base = P.in_offset + plane * P.H * P.W;
    var acc = 0.0;
    for (var y = wy.lo; y < wy.hi; y++) {
      for (var x = wx.lo; x < wx.hi; x++) { acc += src[base + u32(y) * P.W + u32(x)]; }
    }
    dst[P.out_offset + i] = acc / divisor(wy, wx);
  }
}
