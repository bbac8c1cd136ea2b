// Dawn prints, on Mesa's Vulkan drivers (lavapipe reports 1000000, RADV 500000):
//
//   Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced from 1000000 to 16 to fit dynamic offset allocation limit.
//   Warning: maxDynamicStorageBuffersPerPipelineLayout artificially reduced from 1000000 to 16 to fit dynamic offset allocation limit.
//
// It comes from adapter discovery (Dawn's Limits.cpp clamping the adapter's limits, through
// dawn::WarningLog, i.e. fprintf(stderr)), synchronously inside the first requestAdapter():
// the limits a device is later requested with change nothing, and neither Dawn nor the
// `webgpu` package has a switch for it. It tells a webgrad user nothing they can act on.
//
// Node has no dup2, so for that one synchronous call fd 2 is pointed at an unlinked temporary
// file by closing it and opening the file (POSIX hands out the lowest free descriptor, 2), then
// the terminal is put back the same way; the two known lines are dropped and anything else
// Dawn or the Vulkan loader printed (a broken driver's errors) is passed on to stderr.
//
// Only when stderr is a terminal on Linux: a regular file may share its offset with stdout
// (`> log 2>&1`, which reopening cannot keep), and reopening a pipe can block; those keep
// Dawn's output as it is. Node itself already reopens a terminal stderr (libuv's
// uv_tty_init), so process.stderr is unaffected.

type Fs = typeof import('node:fs');

const dawnLimitWarning = /^Warning: maxDynamic(?:Uniform|Storage)BuffersPerPipelineLayout artificially reduced from \d+ to \d+ to fit dynamic offset allocation limit\.\r?$/;

/** Dawn's stderr output with the limit warnings removed. */
export function withoutLimitWarnings(text: string): string {
  return text.split('\n').filter((line) => !dawnLimitWarning.test(line)).join('\n');
}

export type Quiet = <T>(call: () => T) => T;

const asIs: Quiet = (call) => call();

/** A wrapper that runs a synchronous call with Dawn's limit warnings filtered out of fd 2 (Node, Linux, terminal). */
export async function dawnStderrFilter(): Promise<Quiet> {
  const proc = (globalThis as { process?: NodeJS.Process }).process;
  if (!proc || proc.platform !== 'linux') return asIs;
  const [fs, tty, os, path, crypto] = await Promise.all([
    import('node:fs'), import('node:tty'), import('node:os'), import('node:path'), import('node:crypto'),
  ]);
  if (!tty.isatty(2) || !fs.existsSync('/proc/self/fd/2')) return asIs;
  return (call) => filtered(fs, path.join(os.tmpdir(), `webgrad-dawn-${crypto.randomUUID()}.log`), proc, call);
}

function filtered<T>(fs: Fs, capturePath: string, proc: NodeJS.Process, call: () => T): T {
  const { O_WRONLY, O_APPEND, O_NOCTTY } = fs.constants;
  let capture: number;
  let terminal: number;
  try {
    capture = fs.openSync(capturePath, 'wx+', 0o600);
    fs.unlinkSync(capturePath);
    // A second handle on the terminal, to reopen it as fd 2 afterwards.
    terminal = fs.openSync('/proc/self/fd/2', O_WRONLY | O_NOCTTY);
  } catch {
    return call();
  }
  fs.closeSync(2);
  const redirected = fs.openSync(`/proc/self/fd/${capture}`, O_WRONLY | O_APPEND);
  try {
    return call();
  } finally {
    if (redirected === 2) {
      fs.closeSync(2);
      const restored = fs.openSync(`/proc/self/fd/${terminal}`, O_WRONLY | O_NOCTTY);
      if (restored !== 2) fs.closeSync(restored); // another thread took fd 2 meanwhile: nothing to restore onto
    } else {
      fs.closeSync(redirected); // fd 2 was taken by another thread between close and open
    }
    fs.closeSync(terminal);
    const size = fs.fstatSync(capture).size;
    const bytes = Buffer.alloc(size);
    if (size > 0) fs.readSync(capture, bytes, 0, size, 0);
    fs.closeSync(capture);
    const rest = withoutLimitWarnings(bytes.toString('utf8'));
    if (rest.trim() !== '') proc.stderr.write(rest.endsWith('\n') ? rest : `${rest}\n`);
  }
}
