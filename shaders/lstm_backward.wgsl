// lstm_backward.wgsl — one LSTM time step backward, fused: the recurrent gradient
// dh_t = dout[t] + dz_{t+1}·W_hh, then the gate gradients and the cell gradient.
//
//   tc = tanh(c_t);  dc = dc_{t+1→t} + dh·o·(1 − tc²)
//   dz_i = dc·g·i(1−i),  dz_f = dc·c_{t−1}·f(1−f),  dz_g = dc·i·(1−g²),  dz_o = dh·tc·o(1−o)
//   dc_{t→t−1} = dc·f
// dz (pre-activation gate gradients) of all steps feed three matmuls after the loop:
// dW_ih = dzᵀ·x, dW_hh = dzᵀ·h_{t−1}, dx = dz·W_ih (and dh0 = dz_0·W_hh).
//
// Bindings: 0 = Params; 1 = gates [T, B, 4H] (i, f, g, o from the forward); 2 = cs [T+1, B, H];
// 3 = W_hh [4H, H] (as stored: row m holds gate unit m's weights, contiguous along the
// hidden units, so vec4 loads need no transpose); 4 = dout [T, B, H] (gradient of h_t from
// the output, and dh_N folded into step T−1); 5 = dz [T+1, B, 4H] (step t reads slot t+1,
// writes slot t; slot T is never read); 6 = dc [B, H] (the running cell gradient, dc_N at
// first; each invocation reads and writes only its own elements).
//
// Tile: as lstm.wgsl — V hidden units × TB batch rows per invocation, dz_{t+1}[b, m] read
// at addresses uniform across the workgroup, one vec4 gather of W_hh per m reused by TB rows.

alias VT = {{VT}};
const V = {{V}}u;
const TB = {{TB}}u;
const WG = {{WG}}u;

// struct Params: declared in engine/kernels/lstm.ts (LSTM_BACKWARD_PARAMS)
{{PARAMS}}

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> gates: array<VT>;
@group(0) @binding(2) var<storage, read> cs: array<VT>;
@group(0) @binding(3) var<storage, read> whh: array<VT>;
@group(0) @binding(4) var<storage, read> dout: array<VT>;
@group(0) @binding(5) var<storage, read_write> dz: array<VT>;
@group(0) @binding(6) var<storage, read_write> dc: array<VT>;

fn tanh_c(x: VT) -> VT { return tanh(clamp(x, VT(-20.0), VT(20.0))); }
fn dz_at(i: u32) -> f32 { return {{DZ_AT}}; }

@compute @workgroup_size(WG, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let j = gid.x;
  if (j >= P.HV) { return; }
  let HV = P.HV;
  let b0 = wid.y * TB;
  var rows: array<u32, TB>;
  for (var r = 0u; r < TB; r++) { rows[r] = min(b0 + r, P.B - 1u); }

  var dh: array<VT, TB>;
  for (var r = 0u; r < TB; r++) { dh[r] = dout[(P.t * P.B + rows[r]) * HV + j]; }
  if (P.t + 1u < P.T) {
    let zbase = (P.t + 1u) * P.B * 4u * P.H;
    for (var m = 0u; m < 4u * P.H; m++) {
      let w = whh[P.whh_offset + m * HV + j];
      for (var r = 0u; r < TB; r++) { dh[r] += dz_at(zbase + rows[r] * 4u * P.H + m) * w; }
    }
  }

  for (var r = 0u; r < TB; r++) {
    if (b0 + r >= P.B) { break; }
    let b = b0 + r;
    let grow = (P.t * P.B + b) * 4u * HV + j;
    let i = gates[grow];
    let f = gates[grow + HV];
    let g = gates[grow + 2u * HV];
    let o = gates[grow + 3u * HV];
    let tc = tanh_c(cs[((P.t + 1u) * P.B + b) * HV + j]);
    let c_prev = cs[(P.t * P.B + b) * HV + j];
    let d = dc[b * HV + j] + dh[r] * o * (1.0 - tc * tc);
    dc[b * HV + j] = d * f;
    dz[grow] = d * g * i * (1.0 - i);
    dz[grow + HV] = d * c_prev * f * (1.0 - f);
    dz[grow + 2u * HV] = d * i * (1.0 - g * g);
    dz[grow + 3u * HV] = dh[r] * tc * o * (1.0 - o);
  }
}
