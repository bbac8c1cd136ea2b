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
// Bindings: 0 = Params (uniform); 1 = table (read, below); 2 .. 1+SLOTS = grad_s (read);
// 2+SLOTS .. 1+2·SLOTS = param_s; then exp_avg, exp_avg_sq [, max_exp_avg_sq] (read_write).
// Every offset and length is in vec4s: the optimizer aligns each parameter to 4 elements.
//
// Tile: 256 invocations per workgroup, each updating ITEMS vec4s 256 apart (neighbouring lanes
// touch neighbouring vec4s). Every segment starts on a workgroup boundary and a table maps each
// workgroup to its segment, so the lookup and the slot switch are uniform per workgroup. ITEMS
// amortizes them: with one vec4 per invocation the lookup's 8 loads and the switch made the
// kernel 2x slower than adam.wgsl on lavapipe (ResNet18+LSTM, 11.4 M elements); with 16, within
// the noise of it. The grid folds into y past 65535 workgroups. No barriers, no workgroup memory.
// Specializations (key `adam:multi:<SLOTS>:ams?:max?`): slot count, AMSGrad, maximize.

const ITEMS = {{ITEMS}}u;

// struct Params: declared in engine/kernels/adam-multi.ts (ADAM_MULTI_PARAMS)
{{PARAMS}}

// table: the segments, 8 words each — first workgroup (within its dispatch), slot, grad,
// param and moment offsets (vec4s), length (vec4s), step_size = lr / (1 − β1^t) and
// bc2_sqrt = sqrt(1 − β2^t) (f32 bits; f64 on the host, as torch computes them) — then per
// dispatch one word per workgroup: the table position of its segment.

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> table: array<u32>;
{{SLOT_BINDINGS}}
@group(0) @binding({{M_BINDING}}) var<storage, read_write> exp_avg: array<vec4<f32>>;
@group(0) @binding({{V_BINDING}}) var<storage, read_write> exp_avg_sq: array<vec4<f32>>;
{{VMAX_BINDING}}

// The update of one vec4: moments in place, the new parameter returned.
fn update(grad: vec4<f32>, param: vec4<f32>, i: u32, step_size: f32, bc2_sqrt: f32) -> vec4<f32> {
  let eps = bitcast<f32>(P.eps_bits);
  let wd_l2 = bitcast<f32>(P.wd_l2_bits);
  let decay = bitcast<f32>(P.decay_bits);
  var g = {{SIGN}}grad;
  let p = param * decay;
  g = fma(vec4<f32>(wd_l2), p, g);
  let m = fma(g, vec4<f32>(P.one_minus_beta1), exp_avg[i] * P.beta1);
  let v = exp_avg_sq[i] * P.beta2 + (P.one_minus_beta2 * g) * g;
  exp_avg[i] = m;
  exp_avg_sq[i] = v;
{{DENOM}}
  return p + (-step_size * m) / denom;
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let w = wid.x + wid.y * P.groups_x;
  if (w >= P.groups) { return; }
  let at = table[P.map_base + w];
  let step_size = bitcast<f32>(table[at + 6u]);
  let bc2_sqrt = bitcast<f32>(table[at + 7u]);
  // This workgroup's ITEMS · 256 vec4s of the segment, 256 apart (neighbouring lanes, neighbouring vec4s).
  let base = (w - table[at]) * (ITEMS * 256u);
  let k0 = base + lid;
  let n = min(table[at + 5u], base + ITEMS * 256u);
  let g0 = table[at + 2u];
  let p0 = table[at + 3u];
  let s0 = table[at + 4u];
  switch table[at + 1u] {
{{SLOT_CASES}}
  }
}
