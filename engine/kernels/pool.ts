// Launchers for shaders/pool_max.wgsl and shaders/pool_avg.wgsl. Inputs and outputs are
// contiguous [planes, H, W] (planes = N·C); tensors larger than one storage binding are
// processed in chunks of planes, bound at 256-byte-aligned offsets (see conv2d.ts).

import { gpu } from '../device/device.js';
import { bindImages, chunkImages, type Dense } from './conv2d.js';
import { POOL_AVG_PARAMS, POOL_MAX_PARAMS } from './pool-params.js';
import { dispatch, kernel } from './runtime.js';
import { shaderSource } from './shader-source.js';
import { grid1d } from './view.js';

export interface PoolGeometry {
  planes: number;
  H: number; W: number;
  Ho: number; Wo: number;
  kernel: [number, number];
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
}

const GROUP = 64;

function grid(total: number) {
  return grid1d(total, GROUP, gpu().limits.maxComputeWorkgroupsPerDimension);
}

/** Calls `run(p0, count)` per chunk of planes that fits one binding per tensor. */
function chunked(op: string, g: PoolGeometry, run: (p0: number, count: number) => void): void {
  if (g.planes === 0) return;
  const chunk = chunkImages(op, g.planes, [g.H * g.W, g.Ho * g.Wo]);
  for (let p0 = 0; p0 < g.planes; p0 += chunk) run(p0, Math.min(chunk, g.planes - p0));
}

function maxKernel(backward: boolean) {
  const which = backward ? 'backward' : 'forward';
  return kernel({
    key: `pool:max:${which}`, inputs: 1, outputs: 2,
    wgsl: () => shaderSource('pool_max', { PARAMS: POOL_MAX_PARAMS.wgsl, BACKWARD: String(backward) }),
  });
}

/** The window geometry both kernels declare after total and row. */
function geometry(g: PoolGeometry) {
  return { H: g.H, W: g.W, Ho: g.Ho, Wo: g.Wo, KH: g.kernel[0], KW: g.kernel[1], SY: g.stride[0], SX: g.stride[1], PY: g.padding[0], PX: g.padding[1] };
}

/** Max pooling's parameters: the geometry, the dilation and the three bindings' offsets. */
function maxParams(total: number, row: number, g: PoolGeometry, offsets: [number, number, number]) {
  const [in_offset, out_offset, idx_offset] = offsets;
  return POOL_MAX_PARAMS.pack({ total, row, ...geometry(g), DY: g.dilation[0], DX: g.dilation[1], in_offset, out_offset, idx_offset });
}

/** values and int32 argmax (iy·W + ix within the plane) of each window. */
export function launchMaxPool(x: Dense, out: Dense, idx: Dense, g: PoolGeometry): void {
  const k = maxKernel(false);
  chunked('maxPool2d', g, (p0, count) => {
    const xb = bindImages(x, g.H * g.W, p0, count);
    const ob = bindImages(out, g.Ho * g.Wo, p0, count);
    const ib = bindImages(idx, g.Ho * g.Wo, p0, count);
    const total = count * g.Ho * g.Wo;
    const { groups, row } = grid(total);
    dispatch(k, [xb.binding, ob.binding, ib.binding], maxParams(total, row, g, [xb.offset, ob.offset, ib.offset]), groups);
  });
}

/** dx[p, i] = Σ gy over the windows whose saved argmax is i. */
export function launchMaxPoolBackward(gy: Dense, idx: Dense, dx: Dense, g: PoolGeometry): void {
  const k = maxKernel(true);
  chunked('maxPool2d backward', g, (p0, count) => {
    const gb = bindImages(gy, g.Ho * g.Wo, p0, count);
    const ib = bindImages(idx, g.Ho * g.Wo, p0, count);
    const db = bindImages(dx, g.H * g.W, p0, count);
    const total = count * g.H * g.W;
    const { groups, row } = grid(total);
    dispatch(k, [gb.binding, db.binding, ib.binding], maxParams(total, row, g, [gb.offset, db.offset, ib.offset]), groups);
  });
}

export interface AvgMode {
  adaptive: boolean;
  countIncludePad: boolean;
  /** 0: the window size. */
  divisor: number;
}

/** Average pooling forward (src = x, dst = out) or backward (src = gy, dst = dx). */
export function launchAvgPool(src: Dense, dst: Dense, g: PoolGeometry, mode: AvgMode, backward: boolean): void {
  const k = kernel({
    key: `pool:${mode.adaptive ? 'adaptive-avg' : 'avg'}:${backward ? 'backward' : 'forward'}`, inputs: 1, outputs: 1,
    wgsl: () => shaderSource('pool_avg', { PARAMS: POOL_AVG_PARAMS.wgsl, ADAPTIVE: String(mode.adaptive), BACKWARD: String(backward) }),
  });
  const [srcPer, dstPer] = backward ? [g.Ho * g.Wo, g.H * g.W] : [g.H * g.W, g.Ho * g.Wo];
  chunked(backward ? 'avgPool2d backward' : 'avgPool2d', g, (p0, count) => {
    const sb = bindImages(src, srcPer, p0, count);
    const db = bindImages(dst, dstPer, p0, count);
    const total = count * dstPer;
    const { groups, row } = grid(total);
    dispatch(k, [sb.binding, db.binding], POOL_AVG_PARAMS.pack({
      total, row, ...geometry(g), count_pad: mode.countIncludePad ? 1 : 0, divisor: mode.divisor, in_offset: sb.offset, out_offset: db.offset,
    }), groups);
  });
}
