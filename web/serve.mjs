// Builds the page (web/build.mjs) and serves web/dist on 127.0.0.1, printing the URL.
//
//   node web/serve.mjs [--port 8080] [--files DIR] [--out DIR] [--no-build]
//
// --port 0 takes any free port. --files DIR also serves DIR under /files/ (weights, class maps and videos
// for ?weights=/files/…&classes=/files/…&video=/files/…). --out DIR builds into and serves DIR instead
// of web/dist. Nothing is cached, so a rebuild shows on reload.

import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildWeb } from './build.mjs';

const webDir = dirname(fileURLToPath(import.meta.url));

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json; charset=utf-8', '.map': 'application/json; charset=utf-8',
  '.wgsl': 'text/plain; charset=utf-8', '.png': 'image/png', '.svg': 'image/svg+xml',
  '.mp4': 'video/mp4', '.m4v': 'video/mp4', '.mov': 'video/quicktime', '.webm': 'video/webm', '.mkv': 'video/x-matroska', '.avi': 'video/x-msvideo',
};

/** The file under `root` a URL path names, or undefined when it leaves root or is not a file. */
function fileUnder(root, urlPath) {
  let path;
  try {
    path = normalize(join(root, decodeURIComponent(urlPath)));
  } catch {
    return undefined;
  }
  if (path !== root && !path.startsWith(root + sep)) return undefined;
  if (existsSync(path) && statSync(path).isDirectory()) path = join(path, 'index.html');
  return existsSync(path) && statSync(path).isFile() ? path : undefined;
}

/** Starts the server; resolves with it and its URL once listening. */
export async function serveWeb({ port = 8080, files, build = true, dist = join(webDir, 'dist'), log = console.log } = {}) {
  if (build) await buildWeb({ out: dist, log });
  const root = resolve(dist);
  const filesRoot = files ? resolve(files) : undefined;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = filesRoot && url.pathname.startsWith('/files/')
      ? fileUnder(filesRoot, url.pathname.slice('/files'.length))
      : fileUnder(root, url.pathname);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (!path) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end(`not found: ${url.pathname}\n`);
      return;
    }
    res.writeHead(200, {
      'content-type': TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream',
      'content-length': statSync(path).size,
      'cache-control': 'no-store',
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(path).pipe(res);
  });
  await new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', ok);
  });
  const url = `http://127.0.0.1:${server.address().port}/`;
  return { server, url };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const value = (name) => {
    const at = args.indexOf(name);
    return at >= 0 ? args[at + 1] : undefined;
  };
  const portText = value('--port') ?? '8080';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`web: --port must be an integer from 0 to 65535, got ${portText}`);
    process.exit(1);
  }
  try {
    const { url } = await serveWeb({ port, files: value('--files'), build: !args.includes('--no-build'), ...(value('--out') ? { dist: value('--out') } : {}) });
    console.log(`webgrad page: ${url}${value('--files') ? ` (and ${value('--files')} under ${url}files/)` : ''}`);
  } catch (e) {
    console.error(`web: ${e instanceof Error ? e.message : e}`);
    process.exit(1);
  }
}
