// Starting ffmpeg cheaply: a long-lived /bin/sh per thread forks it for us. Node forks the whole process
// for every spawn (libuv uses fork, not vfork, on Linux), copying the page tables of everything mapped:
// in prepare's process (heaps of three threads, sharp) that measured ~5 ms of system time per clip and
// 12-16 ms of wall time per spawn, against 0.3 ms of node CPU and 3.7 ms wall when a small shell forks.
// The shell gets one command line per run; ffmpeg's stdin, stdout and stderr are files in a private
// folder on /dev/shm (tmpfs), so the frames come back as one buffer read in one go instead of a stream
// of 64 KB pipe chunks. Commands run one at a time per shell; a second concurrent run gets another shell.
// WEBGRAD_FFMPEG_SHELL=0 (or no /bin/sh) spawns ffmpeg directly with pipes instead.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RunResult {
  /** Exit status (128 + n when killed by signal n). */
  code: number;
  stdout: Buffer;
  stderr: string;
}

const SHELL = '/bin/sh';

/** Single-quotes `s` for sh: nothing inside single quotes is special but the quote itself. */
const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

function scratchRoot(): string {
  try {
    if (statSync('/dev/shm').isDirectory()) {
      accessSync('/dev/shm', constants.W_OK);
      return '/dev/shm';
    }
  } catch {
    // no tmpfs: the page cache of tmpdir serves as well for files this short-lived
  }
  return tmpdir();
}

class Shell {
  readonly dir: string;
  private readonly sh: ChildProcess;
  private pending: { resolve: (code: number) => void; reject: (e: Error) => void } | undefined;
  private line = '';
  dead = false;

  constructor() {
    this.dir = mkdtempSync(join(scratchRoot(), 'webgrad-ffmpeg-'));
    // the shell removes its folder when its stdin closes: when this thread or process ends, however it ends
    const boot = `trap 'rm -rf ${quote(this.dir)}' EXIT\n`;
    this.sh = spawn(SHELL, [], { stdio: ['pipe', 'pipe', 'ignore'] });
    this.sh.stdin!.on('error', () => {});
    this.sh.stdin!.write(boot);
    this.sh.stdout!.setEncoding('latin1');
    this.sh.stdout!.on('data', (chunk: string) => {
      this.line += chunk;
      const nl = this.line.indexOf('\n');
      if (nl < 0) return;
      const status = Number(this.line.slice(0, nl));
      this.line = this.line.slice(nl + 1);
      const p = this.pending;
      this.pending = undefined;
      this.idle();
      p?.resolve(status);
    });
    const die = (why: string): void => {
      if (this.dead) return;
      this.dead = true;
      rmSync(this.dir, { recursive: true, force: true });
      this.pending?.reject(new Error(`the shell running ffmpeg ${why}`));
      this.pending = undefined;
    };
    this.sh.on('error', (e) => die(`could not start (${SHELL}: ${e.message})`));
    this.sh.on('exit', (code, signal) => die(`exited (${code ?? signal})`));
    this.idle();
  }

  /** An idle shell must not keep the process alive. */
  private idle(): void {
    this.sh.unref();
    (this.sh.stdin as unknown as { unref?: () => void }).unref?.();
    (this.sh.stdout as unknown as { unref?: () => void }).unref?.();
  }

  private busy(): void {
    this.sh.ref();
    (this.sh.stdin as unknown as { ref?: () => void }).ref?.();
    (this.sh.stdout as unknown as { ref?: () => void }).ref?.();
  }

  async run(bin: string, args: string[], stdin?: Uint8Array): Promise<RunResult> {
    const files = { in: join(this.dir, 'in'), out: join(this.dir, 'out'), err: join(this.dir, 'err') };
    if (stdin) writeFileSync(files.in, stdin);
    const cmd = `${[bin, ...args].map(quote).join(' ')} <${stdin ? quote(files.in) : '/dev/null'} >${quote(files.out)} 2>${quote(files.err)}; echo "$?"\n`;
    const code = await new Promise<number>((resolve, reject) => {
      this.pending = { resolve, reject };
      this.busy();
      this.sh.stdin!.write(cmd);
    });
    return { code, stdout: readFileSync(files.out), stderr: readFileSync(files.err, 'utf8') };
  }
}

const idleShells: Shell[] = [];
let shellWorks: boolean | undefined;

function useShell(): boolean {
  if (process.env.WEBGRAD_FFMPEG_SHELL === '0' || process.platform === 'win32') return false;
  if (shellWorks === undefined) {
    try {
      accessSync(SHELL, constants.X_OK);
      shellWorks = true;
    } catch {
      shellWorks = false;
    }
  }
  return shellWorks;
}

/** Runs `bin args` to completion with `stdin` as its input (none: /dev/null) and returns what it wrote. */
export async function runToEnd(bin: string, args: string[], stdin?: Uint8Array): Promise<RunResult> {
  if (!useShell()) return spawnToEnd(bin, args, stdin);
  let shell = idleShells.pop();
  while (shell?.dead) shell = idleShells.pop();
  shell ??= new Shell();
  try {
    const res = await shell.run(bin, args, stdin);
    idleShells.push(shell);
    return res;
  } catch (e) {
    if (!shell.dead) throw e;
    // the shell died under us (killed from outside): the plain way still works
    return spawnToEnd(bin, args, stdin);
  }
}

/** The plain way: node forks ffmpeg itself, with pipes. */
function spawnToEnd(bin: string, args: string[], stdin?: Uint8Array): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    // ffmpeg may stop reading early on an error; the exit status says why, not the broken pipe
    child.stdin.on('error', () => {});
    child.stdin.end(stdin);
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString('utf8');
      if (stderr.length > 1 << 20) stderr = stderr.slice(-(1 << 16));
    });
    child.on('error', (e) => reject(new Error(`could not run ffmpeg (${bin}): ${e.message}`)));
    child.on('close', (code, signal) => resolve({ code: code ?? 128, stdout: Buffer.concat(out), stderr: stderr + (signal ? `\nkilled by ${signal}` : '') }));
  });
}
