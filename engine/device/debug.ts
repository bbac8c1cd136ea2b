// Debug switches read once from the environment (Node) or globalThis (browsers).
//   WEBGRAD_DEBUG=1         validation error scopes around every dispatch + per-kernel timing
//   WEBGRAD_PRINT_SHADER=1  print the WGSL of every kernel when it is compiled

function readFlag(name: string): string | undefined {
  const proc = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  const fromEnv = proc?.env?.[name];
  if (fromEnv !== undefined) return fromEnv;
  const fromGlobal = (globalThis as Record<string, unknown>)[name];
  return typeof fromGlobal === 'string' ? fromGlobal : undefined;
}

function isOn(value: string | undefined): boolean {
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}

/** Mutable: the profiler (kernels/profile.ts) turns timing on for as long as it runs. */
export const debugFlags = {
  validate: isOn(readFlag('WEBGRAD_DEBUG')),
  timing: isOn(readFlag('WEBGRAD_DEBUG')),
  printShader: isOn(readFlag('WEBGRAD_PRINT_SHADER')),
};
