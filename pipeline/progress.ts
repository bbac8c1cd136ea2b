// A one-line progress bar on stderr: done/total, clips/s over the work done in this run, and ETA.
// On a terminal it redraws in place; in a log (CI, a pipe) it prints a line every few seconds instead.

export interface ProgressState {
  done: number;
  total: number;
  failed: number;
}

function clock(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (x: number) => String(x).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${pad(m)}:${pad(s % 60)}`;
}

export class ProgressBar {
  private readonly start = performance.now();
  private lastPrint = 0;
  private readonly tty: boolean;

  constructor(private readonly label: string, private readonly stream: NodeJS.WriteStream = process.stderr) {
    this.tty = Boolean(stream.isTTY);
  }

  line(s: ProgressState): string {
    const elapsed = (performance.now() - this.start) / 1000;
    const rate = elapsed > 0 ? s.done / elapsed : 0;
    const eta = rate > 0 ? (s.total - s.done) / rate : Number.POSITIVE_INFINITY;
    const width = 24;
    const filled = s.total > 0 ? Math.round((s.done / s.total) * width) : width;
    const bar = '#'.repeat(filled) + '.'.repeat(width - filled);
    const failed = s.failed > 0 ? `  ${s.failed} failed` : '';
    return `${this.label} [${bar}] ${s.done}/${s.total} clips  ${rate.toFixed(1)} clips/s  ETA ${clock(eta)}${failed}`;
  }

  update(s: ProgressState): void {
    const now = performance.now();
    if (now - this.lastPrint < (this.tty ? 100 : 5000)) return;
    this.print(s);
  }

  private print(s: ProgressState): void {
    this.stream.write(this.tty ? `\r${this.line(s)}\x1b[K` : `${this.line(s)}\n`);
    this.lastPrint = performance.now();
  }

  /** Prints a message on its own line without garbling the bar. */
  log(message: string): void {
    this.stream.write(this.tty ? `\r\x1b[K${message}\n` : `${message}\n`);
  }

  finish(s: ProgressState): void {
    this.print(s);
    if (this.tty) this.stream.write('\n');
  }
}
