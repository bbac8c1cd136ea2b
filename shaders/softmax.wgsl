// softmax.wgsl — softmax or log-softmax of each row of a contiguous [rows, len] block,
// one row per invocation, three sweeps: max, sum of exp(x - max), write.
//
// Subtracting the row max keeps exp() from overflowing for logits of any size; log-softmax
// is x - max - log(sum) rather than log(softmax) so tiny probabilities keep their precision.
// Row-per-invocation suits the class counts this engine sees (≤ a few thousand); a
// workgroup-per-row variant would be the next specialization for vocabulary-sized rows.
// Bindings: 0 = Params; 1 = x (read); 2 = out (read_write). LOG selects log-softmax.

// struct Params: declared in engine/kernels/softmax.ts
{{PARAMS}}

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let r = gid.x + gid.y * P.row;
  if (r >= P.rows) { return; }
  let base = r * P.len;
  var m = -3.4028234663852886e38;
  for (var j = 0u; j < P.len; j++) { m = max(m, x[P.x_offset + base + j]); }
  var total = 0.0;
  for (var j = 0u; j < P.len; j++) { total += exp(x[P.x_offset + base + j] - m); }
  {{WRITE}}
}
