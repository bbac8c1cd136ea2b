// init(): creates the device and loads the WGSL families. Ops need both, so everything
// that creates tensors goes through here first.
//
// Which init() decides the device. Ops are synchronous, so the device must exist before the
// first one: importing webgrad runs an automatic init with the defaults (in Node and in
// browsers), and a program that never calls init() just works. That device is provisional.
// The first init() that chooses something — `device`, `powerPreference`, `shaderBaseUrl` —
// wins: it replaces the automatic device as long as nothing has used it yet (no tensor made,
// no gpu() call), destroying it. From then on the choice is settled, and an init() that
// chooses differently is an error saying which call won; so is a choice made after ops have
// already run on the automatic device. init() without those options (or with the same ones)
// never conflicts: it waits for the device, and applies `memoryBudget`.

import { deviceInUse, type GpuContext, init as initDevice, type InitOptions, releaseDevice } from './device/device.js';
import { reportGpuError } from './kernels/runtime.js';
import { SHADER_FAMILIES } from './kernels/shaders.generated.js';
import { fetchShaders, useShaders } from './kernels/shader-source.js';
import { installCollector, setMemoryBudget } from './tensor/memory.js';

/** The WGSL families (shaders/*.wgsl), which init({ shaderBaseUrl }) fetches. */
export const shaderFamilies = SHADER_FAMILIES;

export interface WebgradInitOptions extends InitOptions {
  /**
   * Where to fetch the WGSL from instead of using the sources built into webgrad: a folder URL
   * (absolute, or relative to the page) holding one `<family>.wgsl` per `shaderFamilies` entry,
   * e.g. a copy of the package's shaders/ with edited kernels.
   */
  shaderBaseUrl?: string;
  /**
   * GPU memory budget in bytes (Infinity: off); see setMemoryBudget(). Applied by every
   * init() call, so it works after the automatic init of `import 'webgrad'` too.
   */
  memoryBudget?: number;
}

/** The options that decide the device; the rest (memoryBudget) can change at any time. */
interface DeviceChoice {
  device?: GPUDevice;
  powerPreference?: GPUPowerPreference;
  shaderBaseUrl?: string;
}

interface Setup {
  choice: DeviceChoice;
  /** Made by the import's automatic init and not confirmed by an explicit one: replaceable until used. */
  automatic: boolean;
  ready: Promise<GpuContext>;
}

let setup: Setup | undefined;

function choiceOf(options: WebgradInitOptions): DeviceChoice {
  const choice: DeviceChoice = {};
  if (options.device !== undefined) choice.device = options.device;
  if (options.powerPreference !== undefined) choice.powerPreference = options.powerPreference;
  if (options.shaderBaseUrl !== undefined) choice.shaderBaseUrl = options.shaderBaseUrl;
  return choice;
}

const choosesNothing = (choice: DeviceChoice) => Object.keys(choice).length === 0;

/** Whether `wanted` asks for something `current` is not. Options left out ask for nothing. */
function conflicts(wanted: DeviceChoice, current: DeviceChoice): boolean {
  if (wanted.device !== undefined) {
    if (wanted.device !== current.device) return true;
  } else if (wanted.powerPreference !== undefined) {
    // A supplied device has no preference to match; webgrad's own defaults to high-performance.
    if (current.device !== undefined || wanted.powerPreference !== (current.powerPreference ?? 'high-performance')) return true;
  }
  return wanted.shaderBaseUrl !== undefined && wanted.shaderBaseUrl !== current.shaderBaseUrl;
}

function describeChoice(choice: DeviceChoice): string {
  const parts: string[] = [];
  if (choice.device !== undefined) parts.push('device');
  if (choice.powerPreference !== undefined) parts.push(`powerPreference: '${choice.powerPreference}'`);
  if (choice.shaderBaseUrl !== undefined) parts.push(`shaderBaseUrl: '${choice.shaderBaseUrl}'`);
  return `init({ ${parts.join(', ')} })`;
}

function conflictError(wanted: DeviceChoice, current: Setup): Error {
  const call = describeChoice(wanted);
  if (current.automatic) {
    return new Error(`webgrad: ${call} came after tensor ops already ran on the device that importing webgrad created with the defaults, ` +
      `so it would not be honoured. Call \`await ${call}\` before the first tensor op (or gpu() call): until then it replaces the automatic device.`);
  }
  return new Error(`webgrad: ${call} conflicts with the earlier ${describeChoice(current.choice)}, which created the device; ` +
    'the first init() that chooses the device, powerPreference or shaderBaseUrl wins. Call it once, or call init() without those options to wait for the device.');
}

function start(options: WebgradInitOptions, automatic: boolean, replacing?: Setup): Setup {
  const choice = choiceOf(options);
  let replaced = false;
  const ready = (async () => {
    if (replacing) await replacing.ready.catch(() => undefined);
    // The WGSL first: a shaderBaseUrl that cannot be read fails before anything changes.
    const [shaders] = await Promise.all([fetchShaders(shaderFamilies, options.shaderBaseUrl), installCollector()]);
    if (replacing) {
      // An op that ran without awaiting this init() already holds the automatic device.
      if (deviceInUse()) throw conflictError(choice, replacing);
      releaseDevice();
      replaced = true;
    }
    useShaders(shaders);
    return initDevice({ onError: reportGpuError, ...options });
  })();
  const made: Setup = { choice, automatic, ready };
  ready.catch(() => {
    // The next init() tries again; a replacement that failed before releasing leaves the old device on.
    if (setup === made) setup = replacing && !replaced ? replacing : undefined;
  });
  return made;
}

/**
 * Creates the GPU device and readies the kernels; resolves to the device's context. Optional:
 * importing webgrad already made a provisional device with the defaults, which this replaces
 * when it chooses `device`, `powerPreference` or `shaderBaseUrl` before any tensor op. Throws
 * when those conflict with the device already in use (see the top of engine/init.ts).
 */
export function init(options: WebgradInitOptions = {}): Promise<GpuContext> {
  const choice = choiceOf(options);
  if (!setup) {
    setup = start(options, false);
  } else if (conflicts(choice, setup.choice)) {
    if (!setup.automatic || deviceInUse()) return Promise.reject(conflictError(choice, setup));
    setup = start(options, false, setup);
  } else if (!choosesNothing(choice)) {
    setup.automatic = false; // the same choice, now made explicitly: settled
  }
  const ready = setup.ready;
  if (options.memoryBudget === undefined) return ready;
  const budget = options.memoryBudget;
  return ready.then((ctx) => {
    setMemoryBudget(budget);
    return ctx;
  });
}

/**
 * The automatic init that `import 'webgrad'` awaits: the defaults, replaceable by the first
 * explicit init() with options until the device is used. A failure (no adapter) is not thrown
 * here; the first op reports it, with what to install.
 */
export async function initAutomatically(): Promise<void> {
  setup ??= start({}, true);
  await setup.ready.catch(() => undefined);
}
