// The only Node-specific part of engine/io: reading a path and writing one atomically.
// `node:fs` is imported lazily, through a specifier bundlers do not follow, so that the byte-level
// functions work in browsers and a browser bundle never meets it.

export type PathOrBytes = string | Uint8Array | ArrayBuffer;

const FS_PROMISES = 'node:fs/promises';
const nodeFs = (): Promise<typeof import('node:fs/promises')> =>
  import(/* @vite-ignore */ /* webpackIgnore: true */ FS_PROMISES) as Promise<typeof import('node:fs/promises')>;

/** The bytes and a name for error messages (the path, or `options.name`, or `<bytes>`). */
export async function readSource(source: PathOrBytes, name?: string): Promise<{ bytes: Uint8Array; name: string }> {
  if (typeof source === 'string') {
    const { readFile } = await nodeFs();
    const buffer = await readFile(source);
    return { bytes: new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength), name: name ?? source };
  }
  return { bytes: source instanceof Uint8Array ? source : new Uint8Array(source), name: name ?? '<bytes>' };
}

/**
 * Writes the chunks to a temporary file beside `path`, flushes it to disk and renames it over
 * `path`, so a reader sees the old file or the complete new one, never a partial write.
 */
export async function writeAtomic(path: string, chunks: Uint8Array[]): Promise<void> {
  const { open, rename, rm } = await nodeFs();
  const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
  const handle = await open(tmp, 'w');
  try {
    for (const chunk of chunks) {
      let done = 0;
      while (done < chunk.length) done += (await handle.write(chunk, done, chunk.length - done)).bytesWritten;
    }
    await handle.sync();
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}
