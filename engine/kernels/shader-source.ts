// Loads WGSL families from shaders/ and fills their {{PLACEHOLDERS}}. Files are read once
// at init(); in browsers they are fetched next to the module (or from init's shaderBaseUrl).

const cache = new Map<string, string>();

function isNode(): boolean {
  return typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';
}

let shaderDir: string | undefined;

async function nodeShaderDir(): Promise<string> {
  if (shaderDir) return shaderDir;
  const fs = await import('node:fs');
  const path = await import('node:path');
  const url = await import('node:url');
  // The same code runs from engine/kernels (sources) and dist/engine/kernels (build): walk up.
  let dir = path.dirname(url.fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, 'shaders');
    if (fs.existsSync(path.join(candidate, 'elementwise.wgsl'))) return (shaderDir = candidate);
    dir = path.dirname(dir);
  }
  throw new Error('webgrad: cannot find the shaders/ folder next to the package; reinstall webgrad');
}

/** Reads every listed family into the cache (called by init). */
export async function loadShaders(names: readonly string[], baseUrl?: string): Promise<void> {
  if (isNode() && !baseUrl) {
    const dir = await nodeShaderDir();
    const fs = await import('node:fs');
    const path = await import('node:path');
    for (const name of names) cache.set(name, fs.readFileSync(path.join(dir, `${name}.wgsl`), 'utf8'));
    return;
  }
  const base = baseUrl ?? new URL('../../shaders/', import.meta.url).href;
  await Promise.all(names.map(async (name) => {
    const response = await fetch(new URL(`${name}.wgsl`, base));
    if (!response.ok) throw new Error(`webgrad: cannot load shader ${name}.wgsl from ${base} (${response.status})`);
    cache.set(name, await response.text());
  }));
}

/** The family's WGSL with each {{KEY}} replaced; unknown or missing keys are errors. */
export function shaderSource(name: string, values: Record<string, string | number> = {}): string {
  const text = cache.get(name);
  if (text === undefined) throw new Error(`webgrad: shader family '${name}' is not loaded (was init() awaited?)`);
  return text.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`webgrad: shader ${name}.wgsl needs a value for {{${key}}}`);
    return String(value);
  });
}
