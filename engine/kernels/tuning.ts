// Workgroup widths of the register-tiled kernels (conv2d, its grad-weight, matmul, lstm), chosen
// per adapter class by the rules below — not measured at first use: a measurement would compile
// every candidate pipeline at start-up and give different widths from run to run on a loaded
// machine, while these rules follow from how each class runs a workgroup. The tiles themselves
// (TM = 12 rows, 8 columns per invocation) are fixed in the WGSL; only the width varies.
//
// Override, for tests and users (the forced value is used exactly, on any adapter):
//   setKernelTuning({ conv2dWorkgroup: 64 })   … setKernelTuning() restores the table's choice
//   WEBGRAD_TUNING="conv2dWorkgroup=64,matmulWorkgroup=16"   (Node env, or a global in browsers)
//   WEBGRAD_TUNING="workgroup=32"               every kernel's width at once
// Every width compiles its own pipeline: the launchers put `wg<width>` in each kernel key.

import { gpu } from '../device/device.js';

export type AdapterClass = 'cpu' | 'nvidia' | 'amd' | 'intel' | 'apple' | 'gpu';

export interface KernelTuning {
  /** conv2d.wgsl (forward and grad-input): invocations per workgroup, each owning 8 output channels. */
  conv2dWorkgroup: number;
  /** conv2d_wgrad.wgsl: the same tile over (input channel, tap) rows × output channels. */
  conv2dGradWeightWorkgroup: number;
  /** matmul.wgsl: the widest workgroup (the width on products with enough columns). */
  matmulWorkgroup: number;
  /** matmul.wgsl: the narrowest; between the two, the fewest that cover N (8 columns per invocation). */
  matmulMinWorkgroup: number;
  /** lstm.wgsl and lstm_backward.wgsl: invocations per workgroup, each owning 4 hidden units. */
  lstmWorkgroup: number;
}

// Software adapters run the GPU's invocations on the CPU's SIMD lanes: lavapipe and llvmpipe
// (Mesa), SwiftShader (Chrome's fallback). Their names as Dawn describes them, e.g.
// "mesa llvmpipe (LLVM 15.0.7, 256 bits)".
const softwarePattern = /llvmpipe|lavapipe|swiftshader|software/i;

/** The class of an adapter, from its description (vendor, architecture, device, description). */
export function classifyAdapter(adapterName: string): AdapterClass {
  if (softwarePattern.test(adapterName)) return 'cpu';
  if (/nvidia/i.test(adapterName)) return 'nvidia';
  if (/\bamd\b|radeon/i.test(adapterName)) return 'amd';
  if (/intel/i.test(adapterName)) return 'intel';
  if (/apple/i.test(adapterName)) return 'apple';
  return 'gpu';
}

// On a GPU: the A rows (matmul) and source pixels (conv) of a tile are the same address for the
// whole workgroup, so they are one broadcast load per warp; the per-invocation B / weight loads
// are neighbouring vec4s, coalesced. 32 invocations are one warp (NVIDIA), one SIMD group
// (Apple), one wave32 (AMD RDNA), two SIMD16 threads (Intel Xe). matmul widens to 64 when N has
// the columns (two warps share the broadcast, B is reused from L2), and narrows to 32 below that
// so no invocation is idle. Never narrower than the adapter's smallest subgroup (GCN's wave64):
// a narrower workgroup leaves lanes of its one subgroup empty. Registers bound occupancy — each
// invocation holds 12×2 vec4 accumulators — so wider groups buy latency hiding, not throughput.
const gpuRule: KernelTuning = {
  conv2dWorkgroup: 32,
  conv2dGradWeightWorkgroup: 32,
  matmulWorkgroup: 64,
  matmulMinWorkgroup: 32,
  lstmWorkgroup: 32,
};

/**
 * The table. On a CPU adapter a workgroup is best one SIMD group: lavapipe compiles 8 invocations
 * into one AVX2 register of 8 f32, so there is no second group to interleave (matmul.wgsl's header has the measurements: 16 ties on square
 * products and loses on narrow ones, 32 loses ~15 % everywhere). Raised to the subgroup size
 * where the adapter reports a wider one (AVX-512 builds: 16).
 * GPU vendors share one rule until bench/gpu.sh has timed them; a row differs only with a
 * measurement behind it.
 */
export const tuningTable: Readonly<Record<AdapterClass, KernelTuning>> = {
  cpu: { conv2dWorkgroup: 8, conv2dGradWeightWorkgroup: 8, matmulWorkgroup: 8, matmulMinWorkgroup: 8, lstmWorkgroup: 8 },
  nvidia: gpuRule,
  amd: gpuRule,
  intel: gpuRule,
  apple: gpuRule,
  gpu: gpuRule,
};

const keys = Object.keys(tuningTable.cpu) as (keyof KernelTuning)[];

/** The table's row for this class, widened to the adapter's smallest subgroup. */
export function defaultTuning(adapterClass: AdapterClass, subgroupSize: number): KernelTuning {
  const row = tuningTable[adapterClass];
  const out = { ...row };
  for (const key of keys) out[key] = Math.max(row[key], subgroupSize);
  return out;
}

export type TuningOverride = Partial<KernelTuning> & { /** every width at once */ workgroup?: number };

let forced: TuningOverride = {};

function readEnv(): string | undefined {
  const proc = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  const fromGlobal = (globalThis as Record<string, unknown>).WEBGRAD_TUNING;
  return proc?.env?.WEBGRAD_TUNING ?? (typeof fromGlobal === 'string' ? fromGlobal : undefined);
}

/** Parses WEBGRAD_TUNING ("conv2dWorkgroup=64,matmulWorkgroup=16" or "workgroup=32"). */
export function parseTuning(text: string): TuningOverride {
  const out: TuningOverride = {};
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [name, value] = part.split('=').map((s) => s.trim());
    if (name !== 'workgroup' && !keys.includes(name as keyof KernelTuning)) {
      throw new Error(`WEBGRAD_TUNING: unknown key '${name}' in '${text}'; known: workgroup, ${keys.join(', ')}`);
    }
    out[name as keyof TuningOverride] = Number(value);
  }
  return out;
}

function check(override: TuningOverride): void {
  for (const [name, value] of Object.entries(override)) {
    if (value !== undefined && !(Number.isInteger(value) && value >= 1)) {
      throw new Error(`kernel tuning: ${name} must be a positive integer, got ${value}`);
    }
  }
}

/**
 * Forces widths (tests, users measuring their adapter); called with nothing, returns to the
 * table (and to WEBGRAD_TUNING if set). A lone matmulWorkgroup pins matmul's width (min = max).
 */
export function setKernelTuning(override?: TuningOverride): void {
  const next = override ?? {};
  check(next);
  forced = { ...next };
}

const envOverride: TuningOverride = (() => {
  const text = readEnv();
  if (!text) return {};
  const parsed = parseTuning(text);
  check(parsed);
  return parsed;
})();

function applyOverride(base: KernelTuning, o: TuningOverride): KernelTuning {
  const out = { ...base };
  if (o.workgroup !== undefined) for (const key of keys) out[key] = o.workgroup;
  for (const key of keys) if (o[key] !== undefined) out[key] = o[key]!;
  if (o.matmulWorkgroup !== undefined && o.matmulMinWorkgroup === undefined) out.matmulMinWorkgroup = o.matmulWorkgroup;
  out.matmulMinWorkgroup = Math.min(out.matmulMinWorkgroup, out.matmulWorkgroup);
  return out;
}

/** The widths in force on the current device: its class's row, then WEBGRAD_TUNING, then setKernelTuning. */
export function kernelTuning(): KernelTuning & { adapterClass: AdapterClass } {
  const { adapterName, subgroupSize, limits } = gpu();
  const adapterClass = classifyAdapter(adapterName);
  const tuning = applyOverride(applyOverride(defaultTuning(adapterClass, subgroupSize), envOverride), forced);
  const widest = Math.min(limits.maxComputeWorkgroupSizeX, limits.maxComputeInvocationsPerWorkgroup);
  for (const key of keys) {
    if (tuning[key] > widest) throw new Error(`kernel tuning: ${key} = ${tuning[key]} exceeds this adapter's workgroup limit of ${widest}`);
  }
  return { ...tuning, adapterClass };
}

/** matmul's width for N columns: the fewest invocations (8 columns each) that cover N, within the table's range. */
export function matmulWorkgroupWidth(N: number, columnsPerInvocation: number): number {
  const { matmulWorkgroup, matmulMinWorkgroup } = kernelTuning();
  const needed = 2 ** Math.ceil(Math.log2(Math.max(1, Math.ceil(N / columnsPerInvocation))));
  return Math.min(matmulWorkgroup, Math.max(matmulMinWorkgroup, needed));
}
