// A one-line download bar on stderr: MB done/total, MB/s and ETA. On a terminal it redraws in
// place; in a log (CI, a pipe) it prints a line every few seconds, so logs stay short.

/** Where progress goes: process.stderr, or anything with `write` (a test's capture). */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

const MB = 1e6;

function megabytes(bytes: number): string {
  return (bytes / MB).toFixed(bytes < 10 * MB ? 2 : 1);
}

function clock(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  const s = Math.round(seconds);
  const pad = (x: number) => String(x).padStart(2, '0');
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${pad(m)}:${pad(s % 60)}`;
}

export class DownloadProgress {
  private readonly tty: boolean;
  private readonly start = performance.now();
  private lastPrint = Number.NEGATIVE_INFINITY;
  /** Bytes already on disk when this run began (a resumed download): not part of the speed. */
  private startBytes = 0;

  constructor(
    private readonly label: string,
    private readonly total: number | undefined,
    private readonly stream: ProgressStream = process.stderr,
  ) {
    this.tty = stream.isTTY === true;
  }

  /** Marks bytes already present (resuming) so MB/s and ETA count only this run's transfer. */
  resumeFrom(bytes: number): void {
    this.startBytes = bytes;
  }

  line(done: number): string {
    const elapsed = (performance.now() - this.start) / 1000;
    const rate = elapsed > 0 ? (done - this.startBytes) / elapsed : 0;
    const total = this.total;
    const eta = total !== undefined && rate > 0 ? Math.max(0, total - done) / rate : Number.POSITIVE_INFINITY;
    const width = 24;
    const filled = total ? Math.min(width, Math.round((done / total) * width)) : 0;
    const bar = total ? ` [${'#'.repeat(filled)}${'.'.repeat(width - filled)}]` : '';
    const amount = total !== undefined ? `${megabytes(done)}/${megabytes(total)} MB` : `${megabytes(done)} MB`;
    return `${this.label}${bar} ${amount}  ${(rate / MB).toFixed(1)} MB/s  ETA ${clock(eta)}`;
  }

  update(done: number): void {
    if (performance.now() - this.lastPrint < (this.tty ? 100 : 5000)) return;
    this.print(done);
  }

  /** A message on its own line (a retry) without garbling the bar. */
  log(message: string): void {
    this.stream.write(this.tty ? `\r\x1b[K${message}\n` : `${message}\n`);
  }

  finish(done: number): void {
    this.print(done);
    if (this.tty) this.stream.write('\n');
  }

  private print(done: number): void {
    this.stream.write(this.tty ? `\r${this.line(done)}\x1b[K` : `${this.line(done)}\n`);
    this.lastPrint = performance.now();
  }
}
