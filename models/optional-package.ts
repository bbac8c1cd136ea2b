// The npm packages that only the models' image decoding and the video pipeline use are optional peer
// dependencies of webgrad: an app that imports only the engine installs webgpu and nothing else
// (measured from the tarball: ~250 MB of node_modules with them, most of it ffmpeg, libvips and
// vega). So every use loads its package here, on first call, and a missing one is one error that
// says which package, which version, what for, and the command that installs it.
//
// Engine-free on purpose: models/ and pipeline/ (whose data half never imports the engine) both load
// through this file.
//
// These packages exist only in Node. Their names and node:module are imported through variables, and
// node:module only in Node, so a browser bundle of webgrad/models neither contains nor resolves them;
// in a browser every optional package reads as not installed.
import type * as NodeModule from 'node:module';

/** Each optional peer dependency and its exact version, as in package.json's peerDependencies (a test
 *  keeps the two equal). */
export const OPTIONAL_PACKAGES = {
  sharp: '0.35.5',
  'jpeg-js': '0.4.4',
  mp4box: '2.4.1',
  '@ffmpeg-installer/ffmpeg': '1.1.0',
  vega: '6.4.0',
  'vega-lite': '6.5.0',
  '@resvg/resvg-js': '2.6.2',
  'node-unrar-js': '2.0.2',
} as const;

export type OptionalPackageName = keyof typeof OPTIONAL_PACKAGES;

/** An optional peer dependency that a feature needs is not installed. */
export class MissingPackageError extends Error {
  override readonly name = 'MissingPackageError';
  constructor(
    /** The packages that could not be found. */
    readonly packages: string[],
    /** What they were needed for, e.g. 'decoding JPEG frames'. */
    readonly purpose: string,
  ) {
    super(missingMessage(packages, purpose));
  }
}

function isNode(): boolean {
  return typeof (globalThis as { process?: { versions?: { node?: unknown } } }).process?.versions?.node === 'string';
}

/** Imports what exists only in Node; the specifier is a variable so that bundlers leave it alone. */
function importNodeOnly<T>(specifier: string): Promise<T> {
  return import(/* @vite-ignore */ /* webpackIgnore: true */ specifier) as Promise<T>;
}

// Resolution is from this file, as `import()` here would resolve: up through the node_modules folders
// above webgrad, where an app's own installs are.
const requireHere: NodeJS.Require | undefined = isNode()
  ? (await importNodeOnly<typeof NodeModule>('node:module')).createRequire(import.meta.url)
  : undefined;

function missingMessage(packages: string[], purpose: string): string {
  const specs = packages.map((p) => {
    const version = (OPTIONAL_PACKAGES as Record<string, string | undefined>)[p];
    return version ? `${p}@${version}` : p;
  });
  const one = packages.length === 1;
  const names = one ? packages[0] : `${packages.slice(0, -1).join(', ')} and ${packages[packages.length - 1]}`;
  return `webgrad: ${purpose} needs the npm package${one ? '' : 's'} ${names} (npm install ${specs.join(' ')}); ` +
    `${one ? 'it is an optional peer dependency' : 'they are optional peer dependencies'}, ` +
    `so apps that use only the engine don't install ${one ? 'it' : 'them'}`;
}

/**
 * Whether `name` can be found, decided by resolution alone: a package that is there but fails to load
 * (a native binary missing for this platform, a broken dependency of its own) must show its own error,
 * not be reported as absent.
 */
function isInstalled(name: string): boolean {
  if (!requireHere) return false;
  try {
    requireHere.resolve(name);
    return true;
  } catch (error) {
    // there, but with an `exports` map that offers no CommonJS entry: import() will still find it
    return (error as { code?: unknown }).code === 'ERR_PACKAGE_PATH_NOT_EXPORTED';
  }
}

/** Throws one MissingPackageError naming every package of `names` that is not installed. */
export function checkInstalled(names: readonly OptionalPackageName[], purpose: string): void {
  const missing = names.filter((n) => !isInstalled(n));
  if (missing.length > 0) throw new MissingPackageError(missing, purpose);
}

const loaded = new Map<string, Promise<unknown>>();
const required = new Map<string, unknown>();

/**
 * Imports an optional peer dependency on first use (later calls share the promise), or rejects with a
 * MissingPackageError that says what `purpose` needs and how to install it. `T` is the module's type
 * (`typeof import(…)` of the package), written by callers only where it is not exported, so that
 * webgrad's published types never need the package.
 */
export function importOptional<T>(name: OptionalPackageName, purpose: string): Promise<T> {
  let module = loaded.get(name);
  if (!module) {
    // not remembered when missing: it may be installed before the next try
    if (!isInstalled(name)) return Promise.reject(new MissingPackageError([name], purpose));
    module = importNodeOnly(name);
    loaded.set(name, module);
  }
  return module as Promise<T>;
}

/**
 * The synchronous form, for CommonJS packages that synchronous functions use per call (jpeg-js per
 * frame, mp4box's CommonJS build, @ffmpeg-installer/ffmpeg).
 */
export function requireOptional<T>(name: OptionalPackageName, purpose: string): T {
  if (!required.has(name)) {
    if (!isInstalled(name)) throw new MissingPackageError([name], purpose);
    required.set(name, requireHere!(name));
  }
  return required.get(name) as T;
}
