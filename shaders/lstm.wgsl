// lstm.wgsl — one LSTM time step, fused: the recurrent product h_{t−1}·W_hhᵀ, the gate
// nonlinearities and the cell update, for all batch rows and hidden units at once.
//
//   z = xp[t] + bias + h_{t−1}·W_hhᵀ          (xp = x·W_ihᵀ for all steps: one matmul before)
//   i, f, g, o = σ(z_i), σ(z_f), tanh(z_g), σ(z_o)      (PyTorch's gate order)
//   c_t = f·c_{t−1} + i·g,  h_t = o·tanh(c_t)
//
// Bindings: 0 = Params; 1 = xp [T, B, 4H]; 2 = W_hhᵀ [H, 4H] (contiguous: row k holds the
// weights of h[k] for every gate unit); 3 = bias [4H] (b_ih + b_hh); 4 = hs [T+1, B, H];
// 5 = cs [T+1, B, H]; 6 = gates [T, B, 4H] (i, f, g, o after their nonlinearities, saved for
// backward). Slot 0 of hs/cs holds h0/c0; step t reads slot t and writes slot t+1, so no
// invocation reads what another writes in the same dispatch.
//
// Tile: invocation = V consecutive hidden units (VT = vec4<f32> when H % 4 == 0, else f32)
// × TB batch rows; workgroup = WG invocations along the hidden units, workgroup_id.y picks the
// TB rows. Why (lavapipe runs 8 lanes as one SIMD program, per-lane loads are loops): h_{t−1}
// is read at an address uniform across the workgroup (a broadcast on GPUs; lavapipe 25.0 still
// loops over the lanes, see matmul.wgsl's header), and
// each k-step gathers only 4 vec4s of W_hhᵀ per lane, reused by TB rows: 4·TB vec4
// multiply-adds per 4 gathers, 4·TB + 4 vec4 registers (TB = 4: 20, under LLVM's spill
// point). No workgroup memory, no barriers.

alias VT = {{VT}};
const V = {{V}}u;
const TB = {{TB}}u;
const WG = {{WG}}u;

// struct Params: declared in engine/kernels/lstm.ts (LSTM_STEP_PARAMS)
{{PARAMS}}

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> xp: array<VT>;
@group(0) @binding(2) var<storage, read> whh_t: array<VT>;
@group(0) @binding(3) var<storage, read> bias: array<VT>;
@group(0) @binding(4) var<storage, read_write> hs: array<VT>;
@group(0) @binding(5) var<storage, read_write> cs: array<VT>;
@group(0) @binding(6) var<storage, read_write> gates: array<VT>;

fn sigm(x: VT) -> VT { return 1.0 / (1.0 + exp(-x)); }
fn tanh_c(x: VT) -> VT { return tanh(clamp(x, VT(-20.0), VT(20.0))); }
// Element `i` (scalar index) of hs: uniform across the workgroup.
fn h_at(i: u32) -> f32 { return {{H_AT}}; }

@compute @workgroup_size(WG, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let j = gid.x;
  if (j >= P.HV) { return; }
  let HV = P.HV;
  let b0 = wid.y * TB;
  var rows: array<u32, TB>;
  for (var r = 0u; r < TB; r++) { rows[r] = min(b0 + r, P.B - 1u); }

  var acc: array<array<VT, 4>, TB>;
  for (var r = 0u; r < TB; r++) {
    let zrow = (P.t * P.B + rows[r]) * 4u * HV;
    for (var q = 0u; q < 4u; q++) { acc[r][q] = xp[zrow + q * HV + j] + bias[q * HV + j]; }
  }
  let hbase = P.t * P.B * P.H;
  for (var k = 0u; k < P.H; k++) {
    let wrow = k * 4u * HV + j;
    let w0 = whh_t[wrow];
    let w1 = whh_t[wrow + HV];
    let w2 = whh_t[wrow + 2u * HV];
    let w3 = whh_t[wrow + 3u * HV];
    for (var r = 0u; r < TB; r++) {
      let h = h_at(hbase + rows[r] * P.H + k);
      acc[r][0] += h * w0;
      acc[r][1] += h * w1;
      acc[r][2] += h * w2;
      acc[r][3] += h * w3;
    }
  }

  for (var r = 0u; r < TB; r++) {
    if (b0 + r >= P.B) { break; }
    let b = b0 + r;
    let i = sigm(acc[r][0]);
    let f = sigm(acc[r][1]);
    let g = tanh_c(acc[r][2]);
    let o = sigm(acc[r][3]);
    let c = f * cs[(P.t * P.B + b) * HV + j] + i * g;
    let next = ((P.t + 1u) * P.B + b) * HV + j;
    cs[next] = c;
    hs[next] = o * tanh_c(c);
    let grow = (P.t * P.B + b) * 4u * HV + j;
    gates[grow] = i;
    gates[grow + HV] = f;
    gates[grow + 2u * HV] = g;
    gates[grow + 3u * HV] = o;
  }
}
