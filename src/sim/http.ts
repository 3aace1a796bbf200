/**
 * Tiny HTTP server for the simulated venues: matches SimRoutes in order, serialises JSON,
 * turns a throwing handler into a 500, and hands WebSocket upgrades to the caller.
 * It tracks its sockets so `close()` ends keep-alive connections too (jest must exit by itself).
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { RawData } from 'ws';
import { errorText } from '../logging/redact';
import type { SimRequest, SimResponse, SimRoute } from './types';

/** Largest request body the sim accepts, bytes. */
const MAX_BODY_BYTES = 1 << 20;

export interface SimHttpServerOptions {
  host: string;
  port: number;
  /** Routes tried in order; the first whose method and path match answers. */
  routes: () => readonly SimRoute[];
  /** Answer when no route matched. */
  notFound(req: SimRequest): SimResponse;
  /** Runs before the routes; a response here answers the request (e.g. a missing required header). */
  guard?: (req: SimRequest) => SimResponse | undefined;
  onUpgrade?: (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void;
}

export interface SimHttpServer {
  readonly port: number;
  readonly server: http.Server;
  close(): Promise<void>;
}

export async function startHttpServer(opts: SimHttpServerOptions): Promise<SimHttpServer> {
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    void handle(req, opts).then(
      (out) => send(res, out),
      (err: unknown) => send(res, { status: 500, body: { error: 'INTERNAL_ERROR', message: errorText(err) } }),
    );
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('upgrade', (req, socket, head) => {
    if (opts.onUpgrade) opts.onUpgrade(req, socket, head);
    else rejectUpgrade(socket, 404, 'Not Found');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}

async function handle(req: http.IncomingMessage, opts: SimHttpServerOptions): Promise<SimResponse> {
  const url = new URL(req.url ?? '/', 'http://sim');
  const body = await readBody(req);
  const base = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body };
  const guarded = opts.guard?.({ ...base, params: [] });
  if (guarded) return guarded;
  for (const route of opts.routes()) {
    if (route.method !== base.method) continue;
    const m = route.path.exec(base.path);
    if (!m) continue;
    return route.handle({ ...base, params: m.slice(1).map((p) => (p === undefined ? '' : decodeURIComponent(p))) });
  }
  return opts.notFound({ ...base, params: [] });
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: http.ServerResponse, out: SimResponse): void {
  if (res.headersSent || res.destroyed) return;
  const payload = JSON.stringify(out.body ?? null);
  res.writeHead(out.status, { 'content-type': 'application/json', ...(out.headers ?? {}) });
  res.end(payload);
}

/** Answers an upgrade request with a plain HTTP error (e.g. 400 for an unsupported SBE schema). */
export function rejectUpgrade(socket: Duplex, status: number, reason: string, body = ''): void {
  const text = body || reason;
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`,
  );
}


/** Text of a WS message whatever shape `ws` delivered it in. */
export function rawText(raw: RawData): string {
  if (Array.isArray(raw)) return Buffer.concat(raw).toString('utf8');
  return Buffer.isBuffer(raw) ? raw.toString('utf8') : Buffer.from(raw).toString('utf8');
}
