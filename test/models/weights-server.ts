// A scriptable HTTP server on 127.0.0.1 for the weights-download tests: each path gets a handler
// (serve bytes with Range support, fail with a status, redirect, cut the body short …), and
// every request is recorded so a test can count them.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** `n` counts the requests to this path so far, from 0. */
export type Handler = (req: IncomingMessage, res: ServerResponse, n: number) => void;

export interface Recorded { path: string; range?: string }

export interface TestServer {
  routes: Map<string, Handler>;
  requests: Recorded[];
  url(path: string): string;
  count(path: string): number;
  close(): Promise<void>;
}

export async function startServer(): Promise<TestServer> {
  const routes = new Map<string, Handler>();
  const requests: Recorded[] = [];
  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    const n = requests.filter((r) => r.path === path).length;
    requests.push({ path, range: req.headers.range });
    const handler = routes.get(path);
    if (handler) handler(req, res, n);
    else status(404)(req, res, n);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    routes,
    requests,
    url: (path) => `http://127.0.0.1:${port}${path}`,
    count: (path) => requests.filter((r) => r.path === path).length,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** A port nothing listens on: connecting to it is refused, as when offline behind no proxy. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The bytes, honouring `Range: bytes=N-` with a 206 as a real file server does. */
export function serveBytes(bytes: Uint8Array, options: { range?: boolean } = {}): Handler {
  return (req, res) => {
    const match = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (match && options.range !== false) {
      const from = Number(match[1]);
      if (from >= bytes.length) {
        res.writeHead(416, { 'content-range': `bytes */${bytes.length}` }).end();
        return;
      }
      res.writeHead(206, { 'content-length': bytes.length - from, 'content-range': `bytes ${from}-${bytes.length - 1}/${bytes.length}` });
      res.end(bytes.subarray(from));
      return;
    }
    res.writeHead(200, { 'content-length': bytes.length, 'content-type': 'application/octet-stream' });
    res.end(bytes);
  };
}

/** Promises the full length but sends only `keep` bytes, then drops the connection. */
export function truncated(bytes: Uint8Array, keep: number): Handler {
  return (_req, res) => {
    res.writeHead(200, { 'content-length': bytes.length });
    res.write(bytes.subarray(0, keep), () => res.destroy());
  };
}

/** Sends `keep` bytes with no Content-Length (chunked) and ends cleanly: only the size tells it is short. */
export function endsEarly(bytes: Uint8Array, keep: number): Handler {
  return (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    res.end(bytes.subarray(0, keep));
  };
}

/** Sends the first `keep` bytes, then waits for `release` before sending the rest. */
export function paused(bytes: Uint8Array, keep: number, release: Promise<void>): Handler {
  return (_req, res) => {
    res.writeHead(200, { 'content-length': bytes.length });
    res.write(bytes.subarray(0, keep));
    void release.then(() => res.end(bytes.subarray(keep)));
  };
}

export function status(code: number): Handler {
  return (_req, res) => {
    res.writeHead(code, { 'content-type': 'text/plain' }).end(`status ${code}`);
  };
}

export function redirect(code: number, location: string): Handler {
  return (_req, res) => {
    res.writeHead(code, { location }).end();
  };
}

/** The n-th request gets the n-th handler; later ones get the last. */
export function sequence(...handlers: Handler[]): Handler {
  return (req, res, n) => handlers[Math.min(n, handlers.length - 1)]!(req, res, n);
}
