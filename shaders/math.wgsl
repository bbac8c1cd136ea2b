// math.wgsl — scalar functions shared by elementwise expressions (forward and backward).
// Included into elementwise kernels; unused functions are dropped by the compiler.

const SQRT_2_OVER_PI: f32 = 0.7978845608028654;
const INV_SQRT_2: f32 = 0.7071067811865476;
const INV_SQRT_2PI: f32 = 0.3989422804014327;

// Sigmoid that neither overflows exp nor loses precision for large |x|.
fn sigmoid_f(x: f32) -> f32 {
  if (x >= 0.0) { return 1.0 / (1.0 + exp(-x)); }
  let e = exp(x);
  return e / (1.0 + e);
}

// WGSL's tanh is undefined for very large |x| on some drivers: clamp first.
fn tanh_f(x: f32) -> f32 { return tanh(clamp(x, -20.0, 20.0)); }

// erf via Abramowitz–Stegun 7.1.26 refined: max abs error 1.2e-7 (W. J. Cody's rational
// form would be exact to f32 but costs 3x; GELU's tolerance is 1e-5 relative).
fn erf_f(x: f32) -> f32 {
  let z = abs(x);
  let t = 1.0 / (1.0 + 0.5 * z);
  let r = t * exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 +
    t * (-0.82215223 + t * 0.17087277)))))))));
  return select(r - 1.0, 1.0 - r, x >= 0.0);
}

fn gelu_f(x: f32) -> f32 { return 0.5 * x * (1.0 + erf_f(x * INV_SQRT_2)); }
fn gelu_grad_f(x: f32) -> f32 {
  let cdf = 0.5 * (1.0 + erf_f(x * INV_SQRT_2));
  return cdf + x * INV_SQRT_2PI * exp(-0.5 * x * x);
}

fn gelu_tanh_f(x: f32) -> f32 {
  let inner = SQRT_2_OVER_PI * (x + 0.044715 * x * x * x);
  return 0.5 * x * (1.0 + tanh_f(inner));
}
fn gelu_tanh_grad_f(x: f32) -> f32 {
  let inner = SQRT_2_OVER_PI * (x + 0.044715 * x * x * x);
  let t = tanh_f(inner);
  return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * SQRT_2_OVER_PI * (1.0 + 3.0 * 0.044715 * x * x);
}

// pow with PyTorch's conventions for negative bases and integer exponents.
fn pow_f(a: f32, b: f32) -> f32 {
  if (b == 0.0) { return 1.0; }
  if (a >= 0.0) { return pow(a, b); }
  // A quiet NaN built at run time: WGSL rejects NaN constants.
  if (fract(b) != 0.0) { return bitcast<f32>(0x7fc00000u | u32(b != b)); }
  let m = pow(-a, b);
  return select(m, -m, (i32(b) & 1) == 1);
}

// Truncating float→int cast that saturates like PyTorch on CPU does not (UB there); we clamp.
fn f32_to_i32(x: f32) -> i32 { return i32(clamp(x, -2147483648.0, 2147483520.0)); }
