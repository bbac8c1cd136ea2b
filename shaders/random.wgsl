// random.wgsl — counter-based random numbers (Philox4x32-10, Salmon et al. 2011).
//
// Element i of a draw is a pure function of (seed, offset, i): the same seed gives the
// same numbers on every adapter and for every dispatch shape, and draws never share
// counters because the host advances `offset` past each one (as PyTorch's Philox does).
// Bindings: 0 = Params; 1 = out (read_write). One element per invocation, workgroup 256.
// DIST: uniform [0,1) · normal (Box–Muller on the first two words) · bernoulli(p) · randint.

// struct Params: declared in engine/kernels/random.ts (RANDOM_PARAMS)
{{PARAMS}}

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read_write> out: array<{{T}}>;

// 32x32 → 64-bit product as (hi, lo) using 16-bit halves: WGSL has no u64.
fn mulhilo(a: u32, b: u32) -> vec2<u32> {
  let a_lo = a & 0xffffu; let a_hi = a >> 16u;
  let b_lo = b & 0xffffu; let b_hi = b >> 16u;
  let ll = a_lo * b_lo;
  let lh = a_lo * b_hi;
  let hl = a_hi * b_lo;
  let hh = a_hi * b_hi;
  let mid = (ll >> 16u) + (lh & 0xffffu) + (hl & 0xffffu);
  let hi = hh + (lh >> 16u) + (hl >> 16u) + (mid >> 16u);
  return vec2<u32>(hi, a * b);
}

fn philox(counter: vec4<u32>, key: vec2<u32>) -> vec4<u32> {
  var c = counter;
  var k = key;
  for (var round = 0u; round < 10u; round++) {
    let p0 = mulhilo(0xD2511F53u, c.x);
    let p1 = mulhilo(0xCD9E8D57u, c.z);
    c = vec4<u32>(p1.x ^ c.y ^ k.x, p1.y, p0.x ^ c.w ^ k.y, p0.y);
    k = k + vec2<u32>(0x9E3779B9u, 0xBB67AE85u);
  }
  return c;
}

// 24 random bits → [0, 1) exactly representable in f32.
fn unit(x: u32) -> f32 { return f32(x >> 8u) * (1.0 / 16777216.0); }

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * P.row;
  if (i >= P.numel) { return; }
  let r = philox(vec4<u32>(i, 0u, P.offset_lo, P.offset_hi), vec2<u32>(P.seed_lo, P.seed_hi));
  let a = bitcast<f32>(P.a_bits);
  let b = bitcast<f32>(P.b_bits);
  {{DIST}}
}
