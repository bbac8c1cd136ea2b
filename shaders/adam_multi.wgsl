// adam_multi.wgsl — one Adam / AdamW step for many parameter tensors in one dispatch (the
// multi-tensor path, as torch's foreach/fused Adam). Per element the arithmetic is adam.wgsl's,
// operation for operation, so both paths give the same bits:
//
//   g = ±grad;  p *= decay;  g += wd_l2·p;  m = β1·m + (1−β1)·g;  v = β2·v + (1−β2)·g·g
//   [vmax = max(vmax, v)];  p += (−step_size·m) / (sqrt(v or vmax) / bc2_sqrt + eps)
//
// WebGPU cannot index an array of buffers, so each dispatch binds SLOTS (gradient, parameter)
// buffer pairs — a parameter bound where it lives, or a scratch pair that the optimizer packed
// many small parameters into — and the moment buffers exp_avg, exp_avg_sq [, max_exp_avg_sq]
// that hold every parameter of the group back to back. A segment is one parameter: which slot,
// its vec4 offsets in the slot's buffers and in the moments, its length, and its own step_size
// and bc2_sqrt (parameters skipped on some step have their own step count, as in torch).
//
// Bindings: 0 = Params (uniform); 1 = segs (read); 2 .. 1+SLOTS = grad_s (read);
// 2+SLOTS .. 1+2·SLOTS = param_s; then exp_avg, exp_avg_sq [, max_exp_avg_sq] (read_write).
// Every offset and length is in vec4s: the optimizer aligns each parameter to 4 elements.
//
// Tile: 256 invocations of one vec4 each per workgroup, and every segment starts on a
// workgroup boundary, so the segment (found by binary search on the workgroup index) and the
// slot switch are uniform across the workgroup: lavapipe runs them as scalar code, not per
// lane. The grid folds into y past 65535 workgroups. No barriers, no workgroup memory.
// Specializations (key `adam:multi:<SLOTS>:ams?:max?`): slot count, AMSGrad, maximize.

struct Params {
  seg_base: u32,       // this dispatch's first segment in segs
  seg_count: u32,
  groups_x: u32,       // workgroups per grid row
  _pad: u32,
  beta1: f32,
  beta2: f32,
  eps: f32,
  wd_l2: f32,
  decay: f32,
  one_minus_beta1: f32,  // 1 − β1 and 1 − β2 rounded from f64, as torch passes them
  one_minus_beta2: f32,
  _pad2: f32,
}

struct Segment {
  first_group: u32,    // workgroup index (within this dispatch) where the segment starts
  slot: u32,
  grad_offset: u32,
  param_offset: u32,
  state_offset: u32,
  count: u32,          // vec4s
  step_size: f32,      // lr / (1 − β1^t), f64 on the host as torch computes it
  bc2_sqrt: f32,       // sqrt(1 − β2^t)
}

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> segs: array<Segment>;
{{SLOT_BINDINGS}}
@group(0) @binding({{M_BINDING}}) var<storage, read_write> exp_avg: array<vec4<f32>>;
@group(0) @binding({{V_BINDING}}) var<storage, read_write> exp_avg_sq: array<vec4<f32>>;
{{VMAX_BINDING}}

fn load_grad(slot: u32, i: u32) -> vec4<f32> {
  switch slot {
{{LOAD_GRAD}}
  }
}

fn load_param(slot: u32, i: u32) -> vec4<f32> {
  switch slot {
{{LOAD_PARAM}}
  }
}

fn store_param(slot: u32, i: u32, value: vec4<f32>) {
  switch slot {
{{STORE_PARAM}}
  }
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let w = wid.x + wid.y * P.groups_x;
  // The last segment starting at or before workgroup w.
  var lo = 0u;
  var hi = P.seg_count;
  while (hi - lo > 1u) {
    let mid = (lo + hi) / 2u;
    if (segs[P.seg_base + mid].first_group <= w) { lo = mid; } else { hi = mid; }
  }
  let s = segs[P.seg_base + lo];
  let k = (w - s.first_group) * 256u + lid;
  if (k >= s.count) { return; }
  var g = {{SIGN}}load_grad(s.slot, s.grad_offset + k);
  let p = load_param(s.slot, s.param_offset + k) * P.decay;
  let i = s.state_offset + k;
  g = fma(vec4<f32>(P.wd_l2), p, g);
  let m = fma(g, vec4<f32>(P.one_minus_beta1), exp_avg[i] * P.beta1);
  let v = exp_avg_sq[i] * P.beta2 + (P.one_minus_beta2 * g) * g;
  exp_avg[i] = m;
  exp_avg_sq[i] = v;
{{DENOM}}
  store_param(s.slot, s.param_offset + k, p + (-s.step_size * m) / denom);
}
