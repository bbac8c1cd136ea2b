// One HTTP GET with redirects followed by hand (to cap them and keep a Range header on every hop),
// and the errors a download can end with, each marked retryable or not. Engine-free: pretrained
// weights and pipeline/download/'s HMDB51 archives both come through here.

export class DownloadError extends Error {
  override readonly name: string = 'DownloadError';
  constructor(
    message: string,
    readonly url: string,
    /** Worth another attempt: a network error, a 5xx, a truncated body. */
    readonly retryable: boolean,
    readonly details: { status?: number; code?: string; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
  }

  get status(): number | undefined { return this.details.status; }
  /** The system error code (ECONNREFUSED, ENOTFOUND …) of a network failure. */
  get code(): string | undefined { return this.details.code; }
}

/** The downloaded bytes are not the expected file. */
export class ChecksumError extends DownloadError {
  override readonly name = 'ChecksumError';
  constructor(message: string, url: string, readonly expected: string, readonly actual: string, retryable: boolean) {
    super(message, url, retryable);
  }
}

const networkReasons: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found (DNS lookup failed; offline?)',
  EAI_AGAIN: 'DNS lookup failed (offline?)',
  ETIMEDOUT: 'connection timed out',
  ENETUNREACH: 'network unreachable',
  EHOSTUNREACH: 'host unreachable',
  EPIPE: 'connection closed',
  UND_ERR_SOCKET: 'connection closed by the server',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
};

/** fetch reports every network failure as TypeError('fetch failed') with the system error as cause. */
export function networkError(error: unknown, url: string, what: string): DownloadError {
  if (error instanceof DownloadError) return error;
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : (error as { code?: unknown })?.code;
  const detail = typeof code === 'string'
    ? `${networkReasons[code] ?? 'network error'} (${code})`
    : String(typeof cause?.message === 'string' ? cause.message : (error as Error)?.message ?? error);
  return new DownloadError(`${url}: ${what}: ${detail}`, url, true, { code: typeof code === 'string' ? code : undefined, cause: error });
}

const redirectStatuses = new Set([301, 302, 303, 307, 308]);
// Temporary server states: the same request may well succeed a moment later.
const retryableStatuses = new Set([408, 425, 429, 500, 502, 503, 504]);

export interface GetOptions {
  /** Ask for the bytes from this offset on (resuming a partial file). */
  rangeFrom?: number;
  maxRedirects: number;
  signal: AbortSignal;
}

/**
 * GETs `url` following up to `maxRedirects` redirects. Returns a 2xx response (or 416 when a
 * range was asked for); any other status is a DownloadError naming the URL and status.
 */
export async function get(url: string, options: GetOptions): Promise<Response> {
  const headers: Record<string, string> = {
    // Counting bytes against Content-Length and the file size needs the body as stored.
    'accept-encoding': 'identity',
    'user-agent': 'webgrad',
  };
  if (options.rangeFrom) headers.range = `bytes=${options.rangeFrom}-`;
  let current = url;
  for (let hops = 0; ; hops++) {
    let response: Response;
    try {
      response = await fetch(current, { redirect: 'manual', headers, signal: options.signal });
    } catch (error) {
      if (options.signal.aborted) throw options.signal.reason;
      throw networkError(error, url, 'request failed');
    }
    const via = current === url ? '' : ` (redirected to ${current})`;
    if (redirectStatuses.has(response.status)) {
      await response.body?.cancel().catch(() => undefined);
      const location = response.headers.get('location');
      if (!location) throw new DownloadError(`${url}: HTTP ${response.status} redirect without a Location header${via}`, url, false, { status: response.status });
      if (hops >= options.maxRedirects) throw new DownloadError(`${url}: more than ${options.maxRedirects} redirects${via}`, url, false, { status: response.status });
      current = new URL(location, current).href;
      continue;
    }
    if (response.ok || (response.status === 416 && options.rangeFrom)) return response;
    await response.body?.cancel().catch(() => undefined);
    const status = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
    const retryable = retryableStatuses.has(response.status);
    throw new DownloadError(`${url}: ${status}${via}`, url, retryable, { status: response.status });
  }
}
