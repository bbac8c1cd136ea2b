// The adapter's own limits, so every GFLOP/s and GB/s in the table can be read as a fraction of what
// this adapter can do at all: a kernel of register-resident FMAs only (no memory traffic beyond one
// store per invocation), and a kernel that only streams memory (vec4 copy). Written here, not in
// shaders/, because they compute nothing anyone needs.

import * as wg from '../../engine/index.js';
import { dispatch, kernel } from '../../engine/kernels/runtime.js';
import type { Workload } from '../harness.js';

export const fmaLimitName = 'limit: FMA only';
export const streamLimitName = 'limit: stream memory';

const FMA_WORKGROUP = 64;
const FMA_GROUPS = 1024;
const FMA_ITERATIONS = 2048;
/** 8 independent vec4 chains: enough to hide FMA latency on 8-wide SIMD lanes without spilling. */
const FMA_CHAINS = 8;

const fmaWgsl = () => `
struct Params { scale: f32, _p0: u32, _p1: u32, _p2: u32 }
@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read_write> out: array<vec4<f32>>;
@compute @workgroup_size(${FMA_WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let s = vec4<f32>(P.scale);
  ${Array.from({ length: FMA_CHAINS }, (_, i) => `var a${i} = vec4<f32>(f32(gid.x) * 1e-7 + ${i}.0);`).join('\n  ')}
  for (var i = 0u; i < ${FMA_ITERATIONS}u; i++) {
    ${Array.from({ length: FMA_CHAINS }, (_, i) => `a${i} = fma(a${i}, s, s);`).join('\n    ')}
  }
  out[gid.x] = ${Array.from({ length: FMA_CHAINS }, (_, i) => `a${i}`).join(' + ')};
}`;

const streamWgsl = () => `
struct Params { n: u32, row: u32, _p0: u32, _p1: u32 }
@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> src: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> dst: array<vec4<f32>>;
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * P.row;
  if (i < P.n) { dst[i] = src[i]; }
}`;

/** Register-only FMAs: the compute limit (FLOPs counted as 2 per FMA lane). */
export function fmaLimit(): Workload {
  const invocations = FMA_WORKGROUP * FMA_GROUPS;
  return {
    name: fmaLimitName,
    shape: [invocations, FMA_ITERATIONS, FMA_CHAINS * 4],
    flops: 2 * invocations * FMA_ITERATIONS * FMA_CHAINS * 4,
    ours() {
      const out = wg.zeros([invocations * 4]);
      const k = kernel({ key: `bench:limit:fma:${FMA_CHAINS}x${FMA_ITERATIONS}`, inputs: 0, outputs: 1, wgsl: fmaWgsl });
      return {
        run: () => dispatch(k, [{ buffer: out.storage.buffer }], { u32: [0.999, 0, 0, 0], f32At: [0] }, [FMA_GROUPS]),
        dispose: () => out.dispose(),
      };
    },
  };
}

/** A vec4 copy of 64 MiB: the memory-streaming limit (bytes read + written). */
export function streamLimit(): Workload {
  const n = 16 * 1024 * 1024;
  return {
    name: streamLimitName,
    shape: [n],
    bytes: 2 * 4 * n,
    ours() {
      const src = wg.zeros([n]);
      const dst = wg.zeros([n]);
      const vectors = n / 4;
      const groups = Math.ceil(vectors / 256);
      const row = Math.min(groups, 65535);
      const k = kernel({ key: 'bench:limit:stream', inputs: 1, outputs: 1, wgsl: streamWgsl });
      return {
        run: () => dispatch(k, [{ buffer: src.storage.buffer }, { buffer: dst.storage.buffer }], { u32: [vectors, row * 256, 0, 0] }, [row, Math.ceil(groups / row)]),
        dispose: () => { src.dispose(); dst.dispose(); },
      };
    },
  };
}

export const limitWorkloads = (): Workload[] => [fmaLimit(), streamLimit()];
