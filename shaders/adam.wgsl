// adam.wgsl — one Adam / AdamW step for one parameter tensor, fused into a single pass:
//
//   g  = maximize ? -grad : grad
//   p *= decay                         (AdamW: decay = 1 − lr·wd; Adam: 1)
//   g += wd_l2 · p                     (Adam's L2 weight decay; AdamW: wd_l2 = 0)
//   m  = β1·m + (1−β1)·g
//   v  = β2·v + (1−β2)·g·g
//   vmax = max(vmax, v)                (AMSGrad only; the denominator then uses vmax)
//   p += (−step_size · m) / (sqrt(v) / bc2_sqrt + eps)
//
// The operations are ordered and fused as ATen's CPU kernels do (add with alpha is an fma,
// addcmul is (value·a)·b, addcdiv is (value·a)/b), so the result is PyTorch's to the last
// bit or two rather than merely close: Adam amplifies rounding where m nearly cancels.
//
// step_size = lr / (1 − β1^t) and bc2_sqrt = sqrt(1 − β2^t) are computed on the host in f64,
// exactly as torch.optim.Adam's single-tensor path does, and arrive as f32 uniforms.
//
// Bindings: 0 = Params (uniform), 1 = grad (read), 2 = param, 3 = exp_avg, 4 = exp_avg_sq,
// [5 = max_exp_avg_sq] (read_write, contiguous, element offsets in Params).
//
// Tile: one invocation per VEC elements (VEC = 4 when every offset and the length are
// multiples of 4, else 1), 256 invocations per workgroup, grid folded into y past 65535
// groups. No barriers or workgroup memory: every load is a contiguous vec4 — the whole
// step is 4 (or 5) streams in and 3 (or 4) out, so it runs at memory speed on lavapipe.
// Specializations (key `adam:v4|s:ams?:max?`): vector width, AMSGrad, maximize.

// struct Params: declared in engine/kernels/optim.ts (ADAM_PARAMS)
{{PARAMS}}

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> grad: array<{{T}}>;
@group(0) @binding(2) var<storage, read_write> param: array<{{T}}>;
@group(0) @binding(3) var<storage, read_write> exp_avg: array<{{T}}>;
@group(0) @binding(4) var<storage, read_write> exp_avg_sq: array<{{T}}>;
{{VMAX_BINDING}}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * P.row;
  if (i >= P.count) { return; }
  let eps = bitcast<f32>(P.eps_bits);
  let wd_l2 = bitcast<f32>(P.wd_l2_bits);
  let decay = bitcast<f32>(P.decay_bits);
  let step_size = bitcast<f32>(P.step_size_bits);
  var g = {{SIGN}}grad[P.grad_offset + i];
  let p = param[P.param_offset + i] * decay;
  g = fma({{S}}(wd_l2), p, g);
  let m = fma(g, {{S}}(P.one_minus_beta1), exp_avg[P.m_offset + i] * P.beta1);
  let v = exp_avg_sq[P.v_offset + i] * P.beta2 + (P.one_minus_beta2 * g) * g;
  exp_avg[P.m_offset + i] = m;
  exp_avg_sq[P.v_offset + i] = v;
{{DENOM}}
  param[P.param_offset + i] = p + (-step_size * m) / denom;
}
