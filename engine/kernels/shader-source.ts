// The WGSL families of shaders/ with their {{PLACEHOLDERS}} filled. The sources are compiled into
// the package (shaders.generated.ts, written from shaders/*.wgsl at build time), so neither Node
// nor a browser reads a file, and a bundler carries them like any other module. init's
// shaderBaseUrl swaps in WGSL served from elsewhere, e.g. edited kernels, without a rebuild.

import { SHADERS } from './shaders.generated.js';

// The served families, when init({ shaderBaseUrl }) asked for them; else the bundled ones.
let served: ReadonlyMap<string, string> = new Map();

/** Fetches every listed family from `baseUrl` (init's shaderBaseUrl); none without one. Changes nothing yet. */
export async function fetchShaders(names: readonly string[], baseUrl: string | undefined): Promise<ReadonlyMap<string, string>> {
  const fetched = new Map<string, string>();
  if (baseUrl === undefined) return fetched;
  // A relative base ('/wgsl/') is the page's; Node has no page, so there it must be absolute.
  const page = (globalThis as { location?: { href: string } }).location?.href;
  let base: URL;
  try {
    base = new URL(baseUrl, page);
  } catch {
    throw new Error(`webgrad: shaderBaseUrl '${baseUrl}' is not a URL${page ? '' : ' (outside a page it must be absolute: https://…/shaders/)'}`);
  }
  if (!base.pathname.endsWith('/')) base.pathname += '/'; // a folder, with or without its slash
  await Promise.all(names.map(async (name) => {
    let response: Response;
    try {
      response = await fetch(new URL(`${name}.wgsl`, base));
    } catch (error) {
      throw new Error(`webgrad: cannot load shader ${name}.wgsl from ${baseUrl} (${error instanceof Error ? error.message : String(error)}); ` +
        'shaderBaseUrl must be a URL that fetch() can read, or leave it out to use the WGSL built into webgrad');
    }
    if (!response.ok) throw new Error(`webgrad: cannot load shader ${name}.wgsl from ${baseUrl} (HTTP ${response.status})`);
    fetched.set(name, await response.text());
  }));
  return fetched;
}

/** Kernels compiled from now on use these families (fetchShaders' result) instead of the bundled ones. */
export function useShaders(families: ReadonlyMap<string, string>): void {
  served = families;
}

/** The family's WGSL with each {{KEY}} replaced; unknown or missing keys are errors. */
export function shaderSource(name: string, values: Record<string, string | number> = {}): string {
  const text = served.get(name) ?? (SHADERS as Readonly<Record<string, string | undefined>>)[name];
  if (text === undefined) throw new Error(`webgrad: no shader family '${name}' (shaders/${name}.wgsl)`);
  return text.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`webgrad: shader ${name}.wgsl needs a value for {{${key}}}`);
    return String(value);
  });
}
