// The counter-based generator of test/fixtures/generate_models.py, bit for bit: full-size weights
// and inputs are made from a recipe on both sides instead of being committed.
//   u = lowbias32(i·0x9E3779B1 + seed) >> 8 / 2^24,  value = fround(center + half·(2u − 1))

export interface Recipe {
  key: string;
  shape: number[];
  seed: number;
  center: number;
  half: number;
}

export function generate(recipe: Recipe): Float32Array {
  const n = recipe.shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  const { seed, center, half } = recipe;
  for (let i = 0; i < n; i++) {
    let x = (Math.imul(i, 0x9e3779b1) + seed) >>> 0;
    x ^= x >>> 16;
    x = Math.imul(x, 0x7feb352d);
    x ^= x >>> 15;
    x = Math.imul(x, 0x846ca68b);
    x ^= x >>> 16;
    const u = (x >>> 8) / 16777216;
    out[i] = center + half * (2 * u - 1);
  }
  return out;
}
