/**
 * The bot's HTTP API (fastify: a well-kept, fast server with routing, body parsing, content types and a clean
 * close built in; node:http would need all of that written by hand, and express 5 has no typed routes).
 *
 *   GET  /                      the live dashboard (one offline page, assets inlined)
 *   GET  /metrics               Prometheus text (prom-client)
 *   GET  /api/status            JSON: pairs, phases, positions, PnL, feed health, halts
 *   GET  /api/events            JSON: the recent notable events; with `Accept: text/event-stream`, an SSE
 *                               stream: those events, then every event live
 *   POST /api/pairs/:pair/halt  stop new entries on a pair (journalled: a restart keeps it)
 *   POST /api/pairs/:pair/resume  clear a pair's halt once the venues and the journal agree (as the CLI's resume)
 *   POST /api/flatten           kill switch: halt every pair, close every position, report each outcome
 *
 * Control routes need `Authorization: Bearer $ARB_API_TOKEN` and are refused when no token is set. Read routes
 * are open on loopback; on any other address they need the token too. The token is never logged (fastify's
 * own logger is off; errors are reported without headers).
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { AddressInfo } from 'node:net';
import type { TradingEvent } from '../domain/events';
import { checkBearer, isLoopbackHost } from './auth';
import { METRICS_CONTENT_TYPE, type OpsMetrics } from './metrics';
import type { OpsState, StatusJson } from './state';
import type { RunSummary } from '../report/summary';
import { redactText } from '../logging/redact';

/** What a control action says back: a status and the lines an operator reads. */
export interface ControlOutcome {
  readonly status: 'ok' | 'refused' | 'unknown_pair' | 'unavailable';
  readonly lines: readonly string[];
  readonly [extra: string]: unknown;
}

export interface ApiControl {
  halt(pair: string, reason: string): Promise<ControlOutcome>;
  resume(pair: string): Promise<ControlOutcome>;
  flatten(reason: string): Promise<ControlOutcome>;
}

export interface ApiServerOptions {
  readonly host: string;
  readonly port: number;
  /** ARB_API_TOKEN; undefined = control refused. */
  readonly token: string | undefined;
  readonly state: OpsState;
  readonly metrics: OpsMetrics;
  readonly summary: () => RunSummary | undefined;
  readonly control: ApiControl;
  readonly now: () => number;
  /** The dashboard page; undefined = none at /. */
  readonly dashboardHtml?: () => string;
  /** SSE comment line every this many ms, so proxies keep the stream open. Default 15 s. */
  readonly heartbeatMs?: number;
  /** Called with one line per API problem (bad request, a client dropped); never with a header. */
  readonly onProblem?: (line: string) => void;
}

export interface ApiServer {
  readonly url: string;
  readonly port: number;
  /** Hands an event to the live streams. */
  publish(event: TradingEvent, seq: number): void;
  /** Live SSE clients. */
  readonly clients: number;
  close(): Promise<void>;
}

/** A slow SSE client is dropped once this much is waiting for it (memory stays bounded). */
const MAX_CLIENT_BACKLOG = 1 << 20;
const STATUS_CODE: Record<ControlOutcome['status'], number> = { ok: 200, refused: 409, unknown_pair: 404, unavailable: 503 };

export async function startApiServer(o: ApiServerOptions): Promise<ApiServer> {
  const app: FastifyInstance = Fastify({ logger: false, bodyLimit: 16 * 1024, forceCloseConnections: true });
  const openReads = isLoopbackHost(o.host);
  const clients = new Set<{ write(chunk: string): void; end(): void }>();

  const refuse = (reply: FastifyReply, status: number, error: string) => reply.code(status).header('cache-control', 'no-store').send({ error });
  const readAllowed = (req: FastifyRequest, reply: FastifyReply): boolean => {
    if (openReads) return true;
    const auth = checkBearer(req.headers.authorization, o.token);
    if (!auth.ok) void refuse(reply, auth.status, auth.error);
    return auth.ok;
  };
  const controlAllowed = (req: FastifyRequest, reply: FastifyReply): boolean => {
    const auth = checkBearer(req.headers.authorization, o.token);
    if (!auth.ok) void refuse(reply, auth.status, auth.error);
    return auth.ok;
  };
  // Everything the API sends passes the same secrets filter as events.ndjson and bot.log.
  const sendJson = (reply: FastifyReply, status: number, body: unknown) =>
    reply.code(status).type('application/json; charset=utf-8').header('cache-control', 'no-store').send(redactText(JSON.stringify(body)));
  const sendOutcome = (reply: FastifyReply, outcome: ControlOutcome) => sendJson(reply, STATUS_CODE[outcome.status], outcome);

  app.setErrorHandler((err: { statusCode?: number; message: string }, req, reply) => {
    const status = err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    o.onProblem?.(`api: ${req.method} ${req.url.split('?')[0]}: ${status} ${err.message}`);
    void reply.code(status).send({ error: status === 500 ? 'internal error' : err.message });
  });

  if (o.dashboardHtml) {
    const page = o.dashboardHtml;
    app.get('/', (req, reply) => {
      if (!readAllowed(req, reply)) return reply;
      return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(page());
    });
  }

  app.get('/metrics', async (req, reply) => {
    if (!readAllowed(req, reply)) return reply;
    const text = await o.metrics.text();
    return reply.type(METRICS_CONTENT_TYPE).send(text);
  });

  app.get('/api/status', (req, reply) => {
    if (!readAllowed(req, reply)) return reply;
    const status: StatusJson = o.state.status(o.now(), o.summary());
    return sendJson(reply, 200, status);
  });

  app.get<{ Querystring: { limit?: string } }>('/api/events', (req, reply) => {
    if (!readAllowed(req, reply)) return reply;
    const limit = Math.min(1000, Math.max(1, Number.parseInt(req.query.limit ?? '100', 10) || 100));
    const recent = o.state.recentEvents(limit);
    if (!(req.headers.accept ?? '').includes('text/event-stream')) {
      return sendJson(reply, 200, { events: recent, eventSeq: o.state.eventSeq });
    }
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    const client = {
      write: (chunk: string) => {
        if (raw.writableLength > MAX_CLIENT_BACKLOG) {
          o.onProblem?.('api: an event stream client fell too far behind and was dropped');
          client.end();
          return;
        }
        raw.write(chunk);
      },
      end: () => {
        clients.delete(client);
        clearInterval(heartbeat);
        if (!raw.writableEnded) raw.end();
      },
    };
    const heartbeat = setInterval(() => client.write(': heartbeat\n\n'), o.heartbeatMs ?? 15_000);
    heartbeat.unref();
    clients.add(client);
    raw.on('close', () => client.end());
    raw.write(`retry: 2000\n\n`);
    for (const e of recent) raw.write(`event: recent\ndata: ${redactText(JSON.stringify(e))}\n\n`);
    return reply;
  });

  app.post<{ Params: { pair: string }; Body: { reason?: unknown } | undefined }>('/api/pairs/:pair/halt', async (req, reply) => {
    if (!controlAllowed(req, reply)) return reply;
    const given = req.body?.reason;
    const reason = typeof given === 'string' && given.trim() !== '' ? given.trim().slice(0, 200) : 'halted by an operator through the API';
    return sendOutcome(reply, await o.control.halt(req.params.pair, reason));
  });

  app.post<{ Params: { pair: string } }>('/api/pairs/:pair/resume', async (req, reply) => {
    if (!controlAllowed(req, reply)) return reply;
    return sendOutcome(reply, await o.control.resume(req.params.pair));
  });

  app.post<{ Body: { reason?: unknown } | undefined }>('/api/flatten', async (req, reply) => {
    if (!controlAllowed(req, reply)) return reply;
    const given = req.body?.reason;
    const reason = typeof given === 'string' && given.trim() !== '' ? given.trim().slice(0, 200) : 'flatten requested through the API';
    return sendOutcome(reply, await o.control.flatten(reason));
  });

  await app.listen({ host: o.host, port: o.port });
  const address = app.server.address() as AddressInfo;
  const hostInUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${hostInUrl}:${address.port}`,
    port: address.port,
    publish(event, seq) {
      if (clients.size === 0) return;
      const chunk = `id: ${seq}\ndata: ${redactText(JSON.stringify(event))}\n\n`;
      for (const c of clients) c.write(chunk);
    },
    get clients() {
      return clients.size;
    },
    async close() {
      for (const c of [...clients]) c.end();
      await app.close();
    },
  };
}
