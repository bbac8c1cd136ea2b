// batchnorm.wgsl — batch normalization over [N, C, S] (S = product of the spatial dims;
// 1 for [N, C]), forward and backward, as four small kernels (one `// @section` each):
//
//   partial   per-channel sums in `parts` interleaved partials: invocation (c, part) folds
//             the elements (n, s) with n ≡ part / PS (mod PN), s ≡ part % PS (mod PS).
//               stats: Σ(x − k), Σ(x − k)² with k = x[0, c, 0] (a shift that keeps the
//                      one-pass variance from cancelling when |mean| ≫ std)
//               grad:  Σ g, Σ g·(x − mean)
//               grad_relu (batchNormAct: relu(bn(x) + residual)): g masked by the saved
//                      output, g·[y > 0], is written to h (the residual's gradient and
//                      the apply pass's input) and summed as g above: no relu_grad pass
//   finalize  one invocation per channel: folds the partials (train) or reads the running
//             stats (eval) into the channel table `chan` [5, C]: mean, invstd, scale = w·invstd,
//             shift = b − mean·scale, biased var. scale/shift are the seam for folding BN into
//             the preceding conv at inference.
//   gradfin   one invocation per channel: from the grad partials and `chan`, the table
//             [6, C] of A, B, C0 (dx = A·g + B·(x − mean) + C0), dweight, dbias, mean.
//   apply     out = in0·coef[r0 + c] (+ (in1 − coef[r3 + c])·coef[r1 + c]) + coef[r2 + c]:
//             normalize+affine (in0 = x, scale, shift) and the input gradient (in0 = g,
//             in1 = x, A, B, C0, mean). The gradient centres x before scaling it, as PyTorch
//             does: B·x + (C0 − B·mean) would cancel when |mean| ≫ std. Fused forward
//             (batchNormAct): relu(in0·scale + shift (+ in1 = residual)), one read of x and
//             of the residual, one write.
//
// Bindings: 0 = Params; then the read-only inputs; then the read_write outputs (one; grad_relu:
// h, then the partials), in the order each section lists. Element type VT is vec4<f32> when
// S % 4 == 0 (vec4 loads: a quarter of the per-lane loads, which dominate on lavapipe), else
// f32; all 4 components of a vec4 then lie in one channel. Workgroups: 64 wide (partial,
// finalize), 256 (apply).
// No workgroup memory and no barriers: lavapipe runs barriers as coroutine switches, and
// C · parts partials already give every core enough invocations.

// @section partial
alias VT = {{VT}};
// struct Params: declared in engine/kernels/batchnorm-params.ts (BN_PARTIAL_PARAMS)
{{PARAMS}}
@group(0) @binding(0) var<uniform> P: Params;
{{BINDINGS}}

fn hsum(v: VT) -> f32 { return {{HSUM}}; }

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let t = gid.x + gid.y * P.row;
  if (t >= P.C * P.parts) { return; }
  let c = t / P.parts;
  let part = t % P.parts;
  let k = {{CENTER}};
  var acc1 = VT(0.0);
  var acc2 = VT(0.0);
  for (var n = part / P.PS; n < P.N; n += P.PN) {
    let base = (n * P.C + c) * P.SV;
    for (var s = part % P.PS; s < P.SV; s += P.PS) {
      let d = x[P.x_offset + base + s] - VT(k);
      {{ACC}}
    }
  }
  out[t] = vec2<f32>(hsum(acc1), hsum(acc2));
}

// @section finalize
// struct Params: declared in engine/kernels/batchnorm-params.ts (BN_FINALIZE_PARAMS)
{{PARAMS}}
@group(0) @binding(0) var<uniform> P: Params;
{{BINDINGS}}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = gid.x;
  if (c >= P.C) { return; }
  var mean: f32;
  var variance: f32;
  {{STATS}}
  let invstd = inverseSqrt(variance + P.eps);
  var w = 1.0;
  var b = 0.0;
  if (P.has_weight != 0u) { w = weight[c]; }
  if (P.has_bias != 0u) { b = bias[c]; }
  let scale = w * invstd;
  chan[c] = mean;
  chan[P.C + c] = invstd;
  chan[2u * P.C + c] = scale;
  chan[3u * P.C + c] = b - mean * scale;
  chan[4u * P.C + c] = variance;
}

// @section gradfin
// struct Params: declared in engine/kernels/batchnorm-params.ts (BN_GRADFIN_PARAMS)
{{PARAMS}}
@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> partials: array<vec2<f32>>;
@group(0) @binding(2) var<storage, read> chan: array<f32>;
@group(0) @binding(3) var<storage, read_write> gout: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = gid.x;
  if (c >= P.C) { return; }
  var sums = vec2<f32>(0.0);
  for (var p = 0u; p < P.parts; p++) { sums += partials[c * P.parts + p]; }
  let sg = sums.x;      // Σ g
  let sgx = sums.y;     // Σ g·(x − mean)
  let mean = chan[c];
  let invstd = chan[P.C + c];
  let scale = chan[2u * P.C + c];
  let a = scale;
  var b = 0.0;
  var c0 = 0.0;
  if (P.training != 0u) {
    // dx = scale·(g − Σg/n − (x − mean)·invstd²·Σg(x − mean)/n), as A·g + B·(x − mean) + C0.
    b = -scale * invstd * invstd * sgx / P.count;
    c0 = -scale * sg / P.count;
  }
  gout[c] = a;
  gout[P.C + c] = b;
  gout[2u * P.C + c] = c0;
  gout[3u * P.C + c] = invstd * sgx;
  gout[4u * P.C + c] = sg;
  gout[5u * P.C + c] = mean;
}

// @section apply
alias VT = {{VT}};
// struct Params: declared in engine/kernels/batchnorm-params.ts (BN_APPLY_PARAMS)
{{PARAMS}}
@group(0) @binding(0) var<uniform> P: Params;
{{BINDINGS}}

// INDEX sets q (element, VT units) and c (channel). Rows variant (S/V >= 32): workgroup_id
// picks one (n, c) row, so c is uniform and the coefficient loads are scalar broadcasts
// instead of per-lane gathers (4x faster on lavapipe at [128,64,56,56]). Flat variant
// (short rows, e.g. [N, C]): one element per invocation, c = (q / SV) % C per lane.
@compute @workgroup_size({{WG}})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  {{INDEX}}
  if (q >= P.numel) { return; }
  out[P.out_offset + q] = {{EXPR}};
}
