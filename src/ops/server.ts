/**
 * The bot's HTTP API (fastify: a well-kept, fast server with routing, body parsing, content types and a clean
 * close built in; node:http would need all of that written by hand, and express 5 has no typed routes).
 *
 *   GET  /                      the live dashboard (src/ops/dashboard.ts); its script, styles and uPlot under
 *                               /assets/ (served here: it works offline)
 *   GET  /metrics               Prometheus text (prom-client)
 *   GET  /api/status            JSON: pairs, phases, positions, PnL, the loss budget, feed health, halts
 *   GET  /api/spreads?pair=P    JSON: the pair's recent spreads (the dashboard chart's history)
 *   GET  /api/events            JSON: the recent notable events; with `Accept: text/event-stream`, an SSE
 *                               stream: those events, then every event live
 *   POST /api/pairs/:pair/halt  stop new entries on a pair (journalled: a restart keeps it)
 *   POST /api/pairs/:pair/resume  clear a pair's halt once the venues and the journal agree (as the CLI's resume)
 *   POST /api/flatten           kill switch: halt every pair, close every position, report each outcome
 *
 * Control routes need `Authorization: Bearer $ARB_API_TOKEN` and are refused when no token is set. Read routes
 * are open on loopback; on any other address they need the token too. The dashboard's page and assets hold no
 * data and are always served (the page then asks for the token where the data routes need it). The token is never logged (fastify's
 * own logger is off; errors are reported without headers).
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { AddressInfo } from 'node:net';
import type { TradingEvent } from '../domain/events';
import { checkBearer, isLoopbackHost } from './auth';
import { DASHBOARD_CSP, dashboardAssets, dashboardPage } from './dashboard';
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
  /** Serve the live dashboard at / (default true). */
  readonly dashboard?: boolean;
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

type SseClient = { write(chunk: string): void; end(): void };

/** What every route shares: the options, the auth checks and the JSON writer. */
interface Routes {
  readonly o: ApiServerOptions;
  readonly clients: Set<SseClient>;
  readAllowed(req: FastifyRequest, reply: FastifyReply): boolean;
  controlAllowed(req: FastifyRequest, reply: FastifyReply): boolean;
  sendJson(reply: FastifyReply, status: number, body: unknown): FastifyReply;
}

function routes(o: ApiServerOptions): Routes {
  const openReads = isLoopbackHost(o.host);
  const refuse = (reply: FastifyReply, status: number, error: string) => reply.code(status).header('cache-control', 'no-store').send({ error });
  const allowed = (req: FastifyRequest, reply: FastifyReply): boolean => {
    const auth = checkBearer(req.headers.authorization, o.token);
    if (!auth.ok) void refuse(reply, auth.status, auth.error);
    return auth.ok;
  };
  return {
    o,
    clients: new Set<SseClient>(),
    readAllowed: (req, reply) => openReads || allowed(req, reply),
    controlAllowed: allowed,
    // Everything the API sends passes the same secrets filter as events.ndjson and bot.log.
    sendJson: (reply, status, body) =>
      reply.code(status).type('application/json; charset=utf-8').header('cache-control', 'no-store').send(redactText(JSON.stringify(body))),
  };
}

export async function startApiServer(o: ApiServerOptions): Promise<ApiServer> {
  const app: FastifyInstance = Fastify({ logger: false, bodyLimit: 16 * 1024, forceCloseConnections: true });
  const r = routes(o);
  app.setErrorHandler((err: { statusCode?: number; message: string }, req, reply) => {
    const status = err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    o.onProblem?.(`api: ${req.method} ${req.url.split('?')[0]}: ${status} ${err.message}`);
    void reply.code(status).send({ error: status === 500 ? 'internal error' : err.message });
  });
  if (o.dashboard !== false) dashboardRoutes(app);
  readRoutes(app, r);
  eventsRoute(app, r);
  controlRoutes(app, r);
  await app.listen({ host: o.host, port: o.port });
  const address = app.server.address() as AddressInfo;
  const hostInUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${hostInUrl}:${address.port}`,
    port: address.port,
    publish(event, seq) {
      if (r.clients.size === 0) return;
      const chunk = `id: ${seq}\ndata: ${redactText(JSON.stringify(event))}\n\n`;
      for (const c of r.clients) c.write(chunk);
    },
    get clients() {
      return r.clients.size;
    },
    async close() {
      for (const c of [...r.clients]) c.end();
      await app.close();
    },
  };
}

/** The page and its assets: static, no data in them, so served without the token (the data routes ask for it). */
function dashboardRoutes(app: FastifyInstance): void {
  const assets = dashboardAssets();
  const secure = (reply: FastifyReply) =>
    reply.header('content-security-policy', DASHBOARD_CSP).header('x-content-type-options', 'nosniff').header('referrer-policy', 'no-referrer').header('x-frame-options', 'DENY');
  app.get('/', (_req, reply) => secure(reply).type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(dashboardPage()));
  app.get<{ Params: { name: string } }>('/assets/:name', (req, reply) => {
    const asset = assets.get(req.params.name);
    if (!asset) return reply.code(404).send({ error: 'no such asset' });
    return secure(reply).type(asset.type).header('cache-control', 'no-cache').send(asset.body);
  });
}

function readRoutes(app: FastifyInstance, r: Routes): void {
  const { o } = r;
  app.get<{ Querystring: { pair?: string } }>('/api/spreads', (req, reply) => {
    if (!r.readAllowed(req, reply)) return reply;
    const pair = req.query.pair ?? '';
    if (!o.state.pairs.has(pair)) return r.sendJson(reply, 404, { error: `unknown pair: configured pairs are ${[...o.state.pairs.keys()].join(', ')}` });
    return r.sendJson(reply, 200, { pair, columns: ['time', 'netEntryAOverB', 'netEntryBOverA', 'heldExit'], points: o.state.spreadHistory(pair) });
  });
  app.get('/metrics', async (req, reply) => {
    if (!r.readAllowed(req, reply)) return reply;
    const text = await o.metrics.text();
    return reply.type(METRICS_CONTENT_TYPE).send(text);
  });
  app.get('/api/status', (req, reply) => {
    if (!r.readAllowed(req, reply)) return reply;
    const status: StatusJson = o.state.status(o.now(), o.summary());
    return r.sendJson(reply, 200, status);
  });
}

/** GET /api/events: the recent events as JSON, or with `Accept: text/event-stream` those then every event live. */
function eventsRoute(app: FastifyInstance, r: Routes): void {
  const { o, clients } = r;
  app.get<{ Querystring: { limit?: string } }>('/api/events', (req, reply) => {
    if (!r.readAllowed(req, reply)) return reply;
    const limit = Math.min(1000, Math.max(1, Number.parseInt(req.query.limit ?? '100', 10) || 100));
    const recent = o.state.recentEvents(limit);
    if (!(req.headers.accept ?? '').includes('text/event-stream')) return r.sendJson(reply, 200, { events: recent, eventSeq: o.state.eventSeq });
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    const client: SseClient = {
      write: (chunk) => {
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
}

function reasonOf(body: { reason?: unknown } | undefined, fallback: string): string {
  const given = body?.reason;
  return typeof given === 'string' && given.trim() !== '' ? given.trim().slice(0, 200) : fallback;
}

function controlRoutes(app: FastifyInstance, r: Routes): void {
  const { control } = r.o;
  const sendOutcome = (reply: FastifyReply, outcome: ControlOutcome) => r.sendJson(reply, STATUS_CODE[outcome.status], outcome);
  app.post<{ Params: { pair: string }; Body: { reason?: unknown } | undefined }>('/api/pairs/:pair/halt', async (req, reply) => {
    if (!r.controlAllowed(req, reply)) return reply;
    return sendOutcome(reply, await control.halt(req.params.pair, reasonOf(req.body, 'halted by an operator through the API')));
  });
  app.post<{ Params: { pair: string } }>('/api/pairs/:pair/resume', async (req, reply) => {
    if (!r.controlAllowed(req, reply)) return reply;
    return sendOutcome(reply, await control.resume(req.params.pair));
  });
  app.post<{ Body: { reason?: unknown } | undefined }>('/api/flatten', async (req, reply) => {
    if (!r.controlAllowed(req, reply)) return reply;
    return sendOutcome(reply, await control.flatten(reasonOf(req.body, 'flatten requested through the API')));
  });
}
