// Shared set-up for engine tests: one initialised device per test file.
import { init } from '../../engine/index.js';

export async function setupGpu(): Promise<void> {
  await init();
}
