// Listing and extracting RAR archives with node-unrar-js: RARLAB's own unrar C++ built to WASM, so
// no native unrar is needed. Its file-based extractor reads the archive through fs calls as unrar
// asks (64-bit offsets; measured on a 2.3 GB archive: RSS flat at ~110 MB, never the archive in
// memory), and writes each member straight to disk.
//
// Two habits of the library shape this file:
// - one WASM instance serves every extractor, and the extractor in use is a global of it, so two
//   archives must never be read at once: every call here waits for the previous one (`exclusive`);
// - its iterators are lazy and free the C++ archive only when run to the end, so each is drained;
//   an abort makes the filter refuse every further member, which unrar then skips without reading.
//
// node-unrar-js is an optional peer dependency, imported on the first archive.
import { importOptional } from '../../models/optional-package.js';

type Unrar = typeof import('node-unrar-js');

const loadUnrar = () => importOptional<Unrar>('node-unrar-js', 'extracting RAR archives (the HMDB51 download)');

export interface RarMember {
  /** Path inside the archive, '/'-separated (unrar converts a Windows archive's '\'). */
  name: string;
  size: number;
  directory: boolean;
}

/** An archive that cannot be read (or a member that cannot be written), with what to do about it. */
export class ArchiveError extends Error {
  override readonly name = 'ArchiveError';
  constructor(
    message: string,
    readonly archive: string,
    /** unrar's reason (ERAR_BAD_DATA …) or the system error code (ENOSPC …). */
    readonly reason: string,
    /** The archive itself is at fault (damaged, truncated, not a RAR): deleting it is the fix. */
    readonly damaged: boolean,
  ) {
    super(message);
  }
}

let queue: Promise<unknown> = Promise.resolve();

function exclusive<T>(work: () => Promise<T>): Promise<T> {
  const run = queue.then(work, work);
  queue = run.catch(() => undefined);
  return run;
}

export function listRar(archive: string): Promise<RarMember[]> {
  return exclusive(async () => {
    const { createExtractorFromFile } = await loadUnrar();
    try {
      const extractor = await createExtractorFromFile({ filepath: archive });
      return [...extractor.getFileList().fileHeaders].map((h) => ({ name: h.name, size: h.unpSize, directory: h.flags.directory }));
    } catch (error) {
      throw explain(error, archive);
    }
  });
}

export interface ExtractOptions {
  /** Called after each member is written, with its archive name. */
  onMember?: (name: string) => void;
  signal?: AbortSignal;
}

/**
 * Extracts the members named in `targets` (archive name → path relative to `dest`) into `dest`,
 * which must exist. Members not named are skipped. Returns the names written.
 */
export function extractRar(archive: string, dest: string, targets: ReadonlyMap<string, string>, options: ExtractOptions = {}): Promise<string[]> {
  return exclusive(async () => {
    const { createExtractorFromFile } = await loadUnrar();
    const written: string[] = [];
    let member: string | undefined;
    try {
      const extractor = await createExtractorFromFile({
        filepath: archive,
        targetPath: dest,
        // Only members with a target reach this; the fallback keeps any other inside `dest`.
        filenameTransform: (name) => targets.get(name) ?? `.unexpected-${written.length}`,
      });
      const { files } = extractor.extract({
        files: (h) => {
          member = h.name;
          return !options.signal?.aborted && targets.has(h.name);
        },
      });
      for (const file of files) {
        written.push(file.fileHeader.name);
        options.onMember?.(file.fileHeader.name);
        // Each member is written synchronously: yield between them, so a Ctrl-C is seen within one member.
        await new Promise((resolve) => setImmediate(resolve));
      }
    } catch (error) {
      throw explain(error, archive, member, dest);
    }
    options.signal?.throwIfAborted();
    return written;
  });
}

const unrarReasons: Record<string, [string, boolean]> = {
  ERAR_BAD_ARCHIVE: ['is not a RAR archive', true],
  ERAR_UNKNOWN_FORMAT: ['is in an archive format this unrar does not know', true],
  ERAR_BAD_DATA: ['is damaged: a header or data checksum does not match', true],
  ERAR_EREAD: ['ends too early: it is truncated', true],
  ERAR_EOPEN: ['could not be opened', false],
  ERAR_MISSING_PASSWORD: ['is encrypted, and no password is known for it', true],
  ERAR_BAD_PASSWORD: ['is encrypted, and no password is known for it', true],
  ERAR_NO_MEMORY: ['needs more memory than unrar could get', false],
};

function explain(error: unknown, archive: string, member?: string, dest?: string): Error {
  const reason = (error as { reason?: unknown } | undefined)?.reason;
  const code = (error as { code?: unknown } | undefined)?.code;
  // unrar names the member only when its data is bad; a bad header comes without one.
  const file = (error as { file?: unknown } | undefined)?.file;
  const at = typeof file === 'string' && file ? ` (at ${file})` : '';
  if (typeof reason === 'string' && reason in unrarReasons) {
    const [what, damaged] = unrarReasons[reason];
    return new ArchiveError(`${archive} ${what}${at}`, archive, reason, damaged);
  }
  if (reason === 'ERAR_ECREATE' || reason === 'ERAR_EWRITE' || reason === 'ERAR_ECLOSE' || code === 'ENOSPC' || code === 'EACCES' || code === 'EDQUOT') {
    const why = code === 'EACCES' ? 'permission denied; fix the permissions' : 'disk full? free some space';
    const what = `could not write ${member ?? 'a member'} into ${dest ?? 'the output folder'}`;
    return new ArchiveError(`${archive}: ${what} (${String(code ?? reason)}): ${why} and run again`, archive, String(code ?? reason), false);
  }
  if (typeof reason === 'string') return new ArchiveError(`${archive}: unrar failed with ${reason}${at}`, archive, reason, false);
  return error instanceof Error ? error : new Error(String(error));
}
