/**
 * A loopback HTTP proxy in front of a simulated venue's REST server that timestamps when each
 * request has fully arrived (headers and body), then forwards it unchanged. The sim has no order
 * hook, so "the order arrived at the venue's HTTP handler" is measured here: the bot's request has
 * crossed loopback and been read, exactly what the sim's handler would see first. The proxy adds a
 * hop only to the reply path, which the tick-to-order timer does not include.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface Arrival {
  readonly method: string;
  readonly path: string;
  /** process.hrtime.bigint() when the last body byte was read. */
  readonly atNs: bigint;
}

export interface ArrivalProxy {
  /** Base URL to give the client instead of the venue's, with the same path prefix. */
  readonly url: string;
  /** Called on every arrival, before forwarding. */
  onArrival: ((a: Arrival) => void) | undefined;
  /**
   * Until release(), order POSTs are stamped on arrival but forwarded to the venue only then (the
   * other requests pass at once). A trial holds its orders until all of them have arrived, so the
   * venue's work on the first (matching, its signature check: ms of CPU on this 2-core machine) never
   * competes with the bot sending the next: a live venue runs elsewhere, and the floor's orders are
   * never forwarded at all.
   */
  hold(): void;
  release(): void;
  close(): Promise<void>;
}

/** A request carrying this header is stamped and answered by the proxy itself (the tick-to-order floor). */
export const FLOOR_HEADER = 'x-bench-floor';

/** Starts a proxy on 127.0.0.1:0 for `target` (e.g. 'http://127.0.0.1:P/v1'). */
export async function startArrivalProxy(target: string): Promise<ArrivalProxy> {
  const upstream = new URL(target);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const sockets = new Set<Socket>();
  const held = heldQueue();
  const proxy: ArrivalProxy = { url: '', onArrival: undefined, hold: held.hold, release: held.release, close: async () => undefined };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const atNs = process.hrtime.bigint();
      const path = req.url ?? '/';
      proxy.onArrival?.({ method: req.method ?? 'GET', path: path.split('?')[0]!, atNs });
      // The floor's pre-built orders stop here: stamped like any order, never executed by the venue.
      if (req.headers[FLOOR_HEADER] !== undefined) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"id":"floor"}');
        return;
      }
      const body = Buffer.concat(chunks);
      const headers = { ...req.headers, host: upstream.host, 'content-length': String(body.length) };
      // Forwarded after this poll round (a request whose bytes are already here, the other close leg,
      // is stamped first, as a floor order is stamped before the other is answered), or held (hold()).
      const send = (): void => forward(path, body, headers);
      if (!(req.method === 'POST' && path.split('?')[0]!.endsWith('/orders') && held.queued(send))) setImmediate(send);
    });
    const forward = (path: string, body: Buffer, headers: http.OutgoingHttpHeaders): void => {
      const out = http.request(
        { host: upstream.hostname, port: upstream.port, method: req.method, path, headers, agent },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      out.on('error', (err) => {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'BENCH_PROXY', message: err.message }));
      });
      out.end(body);
    };
  });
  server.on('connection', (s) => {
    s.setNoDelay(true);
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return Object.assign(proxy, {
    url: `http://127.0.0.1:${port}${upstream.pathname.replace(/\/$/, '')}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
        agent.destroy();
      }),
  });
}

/** Sends put aside while held; release() runs them in arrival order. */
function heldQueue(): { hold(): void; release(): void; queued(send: () => void): boolean } {
  let held: Array<() => void> | undefined;
  return {
    hold: () => {
      held ??= [];
    },
    release: () => {
      const queued = held ?? [];
      held = undefined;
      for (const send of queued) send();
    },
    /** True when `send` was put aside (held); false when it should go now. */
    queued: (send) => held?.push(send) !== undefined,
  };
}
