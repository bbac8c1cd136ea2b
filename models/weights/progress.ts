// Progress lines for downloads: MB done/total, MB/s and ETA. On a terminal a line redraws in place;
// in a log (CI, a pipe) it prints every few seconds, so logs stay short. Engine-free, so the data
// half of pipeline/ draws its lines with it too (pipeline/download/extract.ts counts classes on a
// StatusLine); pipeline/progress.ts draws the clips bar of prepare.

/** Where progress goes: process.stderr, or anything with `write` (a test's capture). */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

const MB = 1e6;

export function megabytes(bytes: number): string {
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

/** ` [####....]`, or nothing when the total is unknown. */
export function bar(done: number, total: number | undefined): string {
  if (!total) return '';
  const width = 24;
  const filled = Math.min(width, Math.round((done / total) * width));
  return ` [${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

/** One status line: redrawn on a terminal at most every 100 ms, printed every 5 s in a log. */
export class StatusLine {
  private readonly tty: boolean;
  private lastPrint = Number.NEGATIVE_INFINITY;

  constructor(private readonly stream: ProgressStream) {
    this.tty = stream.isTTY === true;
  }

  update(text: string): void {
    if (performance.now() - this.lastPrint >= (this.tty ? 100 : 5000)) this.print(text);
  }

  /** A message on its own line (a retry, a skipped class) without garbling the line being drawn. */
  log(message: string): void {
    this.stream.write(this.tty ? `\r\x1b[K${message}\n` : `${message}\n`);
  }

  finish(text: string): void {
    this.print(text);
    if (this.tty) this.stream.write('\n');
  }

  private print(text: string): void {
    this.stream.write(this.tty ? `\r${text}\x1b[K` : `${text}\n`);
    this.lastPrint = performance.now();
  }
}

/** `label [####....] 12.3/2100.0 MB  8.1 MB/s  ETA 04:16` for one download. */
export class DownloadProgress {
  private readonly status: StatusLine;
  private start = performance.now();
  /** Bytes already on disk when this attempt began (a resumed download): not part of the speed. */
  private startBytes = 0;

  constructor(
    private readonly label: string,
    /** The whole file's size when known in advance; the response may tell it later (begin). */
    private total: number | undefined,
    stream: ProgressStream = process.stderr,
  ) {
    this.status = new StatusLine(stream);
  }

  /** What the response said: where it starts (a resumed .partial) and the whole file's size when known. */
  begin(offset: number, total: number | undefined): void {
    this.start = performance.now(); // not counting the hashing of a resumed .partial, nor the request
    this.startBytes = offset;
    this.total = total ?? this.total;
    this.update(offset);
  }

  line(done: number): string {
    const elapsed = (performance.now() - this.start) / 1000;
    const rate = elapsed > 0 ? (done - this.startBytes) / elapsed : 0;
    const total = this.total;
    const eta = total !== undefined && rate > 0 ? Math.max(0, total - done) / rate : Number.POSITIVE_INFINITY;
    const amount = total !== undefined ? `${megabytes(done)}/${megabytes(total)} MB` : `${megabytes(done)} MB`;
    const resumed = this.startBytes > 0 ? ` (resumed at ${megabytes(this.startBytes)} MB)` : '';
    return `${this.label}${bar(done, total)} ${amount}  ${(rate / MB).toFixed(1)} MB/s  ETA ${clock(eta)}${resumed}`;
  }

  update(done: number): void {
    this.status.update(this.line(done));
  }

  log(message: string): void {
    this.status.log(message);
  }

  finish(done: number): void {
    this.status.finish(this.line(done));
  }
}
