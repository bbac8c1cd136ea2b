// Exits 0 when a WebGPU adapter can be created and a device opened, printing its name.
import { create, globals } from 'webgpu';

process.env.XDG_RUNTIME_DIR ??= '/tmp';
Object.assign(globalThis, globals);
const timer = setTimeout(() => {
  console.error('check-gpu: timed out waiting for a WebGPU adapter');
  process.exit(2);
}, 20000);
try {
  const adapter = await create([]).requestAdapter();
  if (!adapter) throw new Error('no adapter');
  const device = await adapter.requestDevice();
  const info = adapter.info;
  console.log(`webgrad setup: WebGPU adapter ok: ${[info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ')}`);
  device.destroy();
  clearTimeout(timer);
  process.exit(0);
} catch (error) {
  console.error(`check-gpu: ${error instanceof Error ? error.message : error}`);
  process.exit(1);
}
