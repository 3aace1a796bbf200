import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { closeHttpAgents, httpJson, IDLE_SOCKET_MS, keepConnectionWarm, KEEP_WARM_MS, type FetchLike } from '../../src/venues/http';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;

const servers: http.Server[] = [];
const owners: AbortController[] = [];

afterEach(async () => {
  for (const o of owners.splice(0)) o.abort();
  closeHttpAgents();
  await Promise.all(
    servers.splice(0).map(
      (s) =>
        new Promise<void>((resolve) => {
          s.closeAllConnections();
          s.close(() => resolve());
        }),
    ),
  );
});

/** A loopback server on port 0; counts the TCP connections it accepted. */
async function serve(handler: Handler): Promise<{ url: string; connections: () => number; sockets: Set<Socket> }> {
  let connections = 0;
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => handler(req, res, body));
  });
  server.on('connection', (s: Socket) => {
    connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, connections: () => connections, sockets };
}

function owner(): AbortSignal {
  const c = new AbortController();
  owners.push(c);
  return c.signal;
}

describe('httpJson over node http', () => {
  it('returns the status and parsed JSON of an answer, and sends a JSON body with its length', async () => {
    const { url } = await serve((req, res, body) => {
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ method: req.method, length: req.headers['content-length'], type: req.headers['content-type'], echo: JSON.parse(body) as unknown }));
    });
    const r = await httpJson({ method: 'POST', url: `${url}/v1/orders`, body: { size: 'é1' }, timeoutMs: 2_000, signal: owner() });
    expect(r).toMatchObject({ kind: 'response', status: 201, json: { method: 'POST', length: String(Buffer.byteLength('{"size":"é1"}')), type: 'application/json', echo: { size: 'é1' } } });
  });

  it('keeps the connection alive: consecutive requests to one venue share one socket', async () => {
    const srv = await serve((_req, res) => res.end('{}'));
    const signal = owner();
    for (let i = 0; i < 5; i++) {
      expect(await httpJson({ method: 'GET', url: `${srv.url}/x`, timeoutMs: 2_000, signal })).toMatchObject({ kind: 'response', status: 200 });
    }
    expect(srv.connections()).toBe(1);
  });

  it("closes the venue's connections when its owner signal aborts", async () => {
    const srv = await serve((_req, res) => res.end('{}'));
    const ctl = new AbortController();
    await httpJson({ method: 'GET', url: `${srv.url}/x`, timeoutMs: 2_000, signal: ctl.signal });
    expect(srv.sockets.size).toBe(1);
    ctl.abort();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(srv.sockets.size).toBe(0);
  });

  it('reports a timeout (outcome unknown) when no answer comes within the deadline', async () => {
    const { url } = await serve(() => undefined); // never answers
    const r = await httpJson({ method: 'POST', url: `${url}/orders`, body: {}, timeoutMs: 100, signal: owner() });
    expect(r).toEqual({ kind: 'timeout', message: expect.stringContaining('no answer within 100 ms') });
  });

  it('reports unreachable when the connection is refused (the request never left)', async () => {
    const probe = await serve(() => undefined);
    const server = servers.pop()!;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const r = await httpJson({ method: 'POST', url: `${probe.url}/orders`, body: {}, timeoutMs: 2_000, signal: owner() });
    expect(r).toMatchObject({ kind: 'unreachable', message: expect.stringContaining('ECONNREFUSED') });
  });

  it('reports network (outcome unknown) when the venue drops the connection after receiving the request', async () => {
    const { url } = await serve((req) => req.socket.destroy());
    const r = await httpJson({ method: 'POST', url: `${url}/orders`, body: { a: 1 }, timeoutMs: 2_000, signal: owner() });
    expect(r.kind).toBe('network');
  });

  it('sends a read again when the kept-alive socket it reused was reset by the venue; never an order', async () => {
    // The venue answers the first request of a connection and resets the connection on the second: what a
    // request meets when the server closes an idle socket just as the client reuses it.
    const seen = new WeakMap<Socket, number>();
    const srv = await serve((req, res) => {
      const n = (seen.get(req.socket) ?? 0) + 1;
      seen.set(req.socket, n);
      if (n > 1) req.socket.resetAndDestroy();
      else res.end('{"ok":true}');
    });
    const signal = owner();
    expect(await httpJson({ method: 'GET', url: `${srv.url}/positions`, timeoutMs: 2_000, signal })).toMatchObject({ kind: 'response', json: { ok: true } });
    const read = await httpJson({ method: 'GET', url: `${srv.url}/positions`, timeoutMs: 2_000, signal });
    expect(read).toMatchObject({ kind: 'response', status: 200, json: { ok: true } });
    expect(srv.connections()).toBe(2);
    // An order on a reset reused socket may have been processed: reported as unknown, never sent twice.
    const order = await httpJson({ method: 'POST', url: `${srv.url}/orders`, body: { a: 1 }, timeoutMs: 2_000, signal });
    expect(order).toMatchObject({ kind: 'network', message: expect.stringContaining('ECONNRESET') });
    expect(srv.connections()).toBe(2);
  });

  it('reports network when the reply is cut mid-body', async () => {
    const { url } = await serve((req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('{"partial":');
      setTimeout(() => req.socket.destroy(), 10);
    });
    const r = await httpJson({ method: 'GET', url: `${url}/x`, timeoutMs: 2_000, signal: owner() });
    expect(r.kind).toBe('network');
  });

  it('reports a cancelled request: unreachable before sending, network while in flight', async () => {
    const { url } = await serve(() => undefined);
    const before = new AbortController();
    before.abort();
    expect((await httpJson({ method: 'GET', url: `${url}/x`, timeoutMs: 2_000, signal: before.signal })).kind).toBe('unreachable');
    const during = new AbortController();
    const pending = httpJson({ method: 'GET', url: `${url}/x`, timeoutMs: 2_000, signal: during.signal });
    setTimeout(() => during.abort(), 30);
    expect(await pending).toEqual({ kind: 'network', message: expect.stringContaining('cancelled while in flight') });
  });

  it("cancels every request in flight when their owner aborts, and forgets the ones that finished", async () => {
    const { url } = await serve((req, res) => {
      if (req.url === '/quick') res.end('{"ok":true}');
    });
    const owner = new AbortController();
    expect((await httpJson({ method: 'GET', url: `${url}/quick`, timeoutMs: 2_000, signal: owner.signal })).kind).toBe('response');
    const pending = [1, 2, 3].map((i) => httpJson({ method: 'POST', url: `${url}/slow`, body: { i }, timeoutMs: 2_000, signal: owner.signal }));
    setTimeout(() => owner.abort(), 30);
    const results = await Promise.all(pending);
    expect(results).toEqual([1, 2, 3].map(() => ({ kind: 'network', message: expect.stringContaining('cancelled while in flight') })));
  });

  it('requests the same URL text the same way every time, and refuses what is not http(s)', async () => {
    const seen: string[] = [];
    const { url } = await serve((req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers.host}`);
      res.end('{}');
    });
    const port = new URL(url).port;
    for (let i = 0; i < 3; i++) expect((await httpJson({ method: 'GET', url: `${url}/orders?id=7`, timeoutMs: 2_000, signal: owner() })).kind).toBe('response');
    expect(seen).toEqual(Array.from({ length: 3 }, () => `GET /orders?id=7 127.0.0.1:${port}`));
    expect(await httpJson({ method: 'GET', url: 'ftp://127.0.0.1/x', timeoutMs: 100 })).toEqual({ kind: 'unreachable', message: 'GET 127.0.0.1/x: unsupported protocol ftp:' });
    expect(await httpJson({ method: 'GET', url: 'not a url', timeoutMs: 100 })).toEqual({ kind: 'unreachable', message: 'GET <invalid url>: invalid url' });
  });

  it('never puts the query string in messages', async () => {
    const { url } = await serve(() => undefined);
    const r = await httpJson({ method: 'GET', url: `${url}/account?secret=abc`, timeoutMs: 50, signal: owner() });
    expect(r.kind).toBe('timeout');
    expect(JSON.stringify(r)).not.toContain('secret');
  });

  it('still uses an injected fetch when one is given', async () => {
    const calls: string[] = [];
    const fake: FetchLike = (url, init) => {
      calls.push(`${init.method} ${url}`);
      return Promise.resolve({ status: 200, text: () => Promise.resolve('{"ok":true}') });
    };
    const r = await httpJson({ method: 'GET', url: 'http://127.0.0.1:1/x', timeoutMs: 100 }, fake);
    expect(r).toEqual({ kind: 'response', status: 200, json: { ok: true }, text: '{"ok":true}' });
    expect(calls).toEqual(['GET http://127.0.0.1:1/x']);
  });
});

describe('keepConnectionWarm', () => {
  it('keeps the orders\' connection open through a quiet spell longer than the idle limit; without it a new one is opened', async () => {
    const warm = await serve((_req, res) => res.end('{}'));
    const cold = await serve((_req, res) => res.end('{}'));
    const warmOwner = owner();
    const coldOwner = owner();
    const get = (url: string, signal: AbortSignal) => httpJson({ method: 'GET', url: `${url}/x`, timeoutMs: 2_000, signal });
    await Promise.all([get(warm.url, warmOwner), get(cold.url, coldOwner)]);
    keepConnectionWarm(() => get(warm.url, warmOwner), KEEP_WARM_MS, warmOwner);
    await new Promise((resolve) => setTimeout(resolve, IDLE_SOCKET_MS + 500));
    await Promise.all([get(warm.url, warmOwner), get(cold.url, coldOwner)]);
    expect(warm.connections()).toBe(1);
    expect(cold.connections()).toBe(2);
  }, 15_000);

  it('pings on its period, never two at once, ignores failures, and stops when its owner aborts', async () => {
    const ctl = new AbortController();
    let calls = 0;
    let concurrent = 0;
    let maxConcurrent = 0;
    keepConnectionWarm(
      async () => {
        calls++;
        concurrent++;
        maxConcurrent = Math.max(maxConcurrent, concurrent);
        await new Promise((resolve) => setTimeout(resolve, 25)); // slower than the period
        concurrent--;
        throw new Error('venue down');
      },
      10,
      ctl.signal,
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(calls).toBeGreaterThanOrEqual(3);
    expect(maxConcurrent).toBe(1);
    ctl.abort();
    await new Promise((resolve) => setTimeout(resolve, 40));
    const after = calls;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(calls).toBe(after);
    // Off for 0, a non-number, or an already aborted owner.
    let never = 0;
    keepConnectionWarm(async () => never++, 0, new AbortController().signal);
    keepConnectionWarm(async () => never++, Number.NaN, new AbortController().signal);
    keepConnectionWarm(async () => never++, 5, ctl.signal);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(never).toBe(0);
  });
});
