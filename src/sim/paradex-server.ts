/**
 * Simulated Paradex: public REST (paradex-public.ts) with the trading routes mounted in front of the
 * 404, and the /v1 WebSocket (JSON-RPC subscribe, unsubscribe, auth; order_book snapshot/deltas and bbo
 * channels, as JSON or SBE frames). This file holds the sockets: sessions, pings, heartbeats and the
 * delay/malformed knobs; channels live in paradex-feed.ts, frames in paradex-frames.ts.
 * Protocol facts: venues.md §1.2–1.7, §4.2.
 */
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, WebSocket, type RawData } from 'ws';
import { malformedFrame, type FaultState, type MalformedKind } from './faults';
import { rawText, rejectUpgrade, startHttpServer, type SimHttpServer } from './http';
import type { SimBookSource } from './market-model';
import { parseChannel, roundFrames, type SeqFaults, type Subscription } from './paradex-feed';
import { channelError, heartbeatFrame, rpcErrorFrame, rpcResultFrame, type Frame, type RpcError } from './paradex-frames';
import { paradexPublicRoutes } from './paradex-public';
import type { SimRoute } from './types';

export interface ParadexServerOptions {
  host: string;
  port: number;
  source: SimBookSource;
  faults: FaultState;
  /** Model update period, ms (0 = manual steps): snapshot channels slower than it skip rounds. */
  updateIntervalMs: number;
  pingIntervalMs: number;
  pongTimeoutMs: number;
  heartbeatIntervalMs: number;
  /** Trading routes, tried before the 404. Read on each request so they may be mounted late. */
  tradingRoutes: () => readonly SimRoute[];
  /** Checks a WS auth bearer; undefined accepts any well-formed JWT. */
  verifyBearer?: (token: string) => boolean;
}

export interface ParadexServer {
  readonly restUrl: string;
  readonly wsUrl: string;
  /** Pushes one update round to every subscription. */
  publish(): void;
  dropConnections(): void;
  readonly connectionCount: number;
  close(): Promise<void>;
}

export async function startParadexServer(opts: ParadexServerOptions): Promise<ParadexServer> {
  const sessions = new ParadexSessions(opts);
  let http: SimHttpServer;
  try {
    http = await startHttpServer({
      host: opts.host,
      port: opts.port,
      routes: () => [...opts.tradingRoutes(), ...paradexPublicRoutes(opts.source)],
      notFound: (req) => ({ status: 404, body: { error: 'NOT_FOUND', message: `no route for ${req.method} ${req.path}` } }),
      onUpgrade: (req, socket, head) => sessions.upgrade(req, socket, head),
    });
  } catch (err) {
    await sessions.close();
    throw err;
  }
  return {
    restUrl: `http://${opts.host}:${http.port}/v1`,
    wsUrl: `ws://${opts.host}:${http.port}/v1`,
    publish: () => sessions.publish(),
    dropConnections: () => sessions.dropAll(),
    get connectionCount() {
      return sessions.count;
    },
    close: async () => {
      await sessions.close();
      await http.close();
    },
  };
}

interface Session {
  readonly ws: WebSocket;
  readonly sbe: boolean;
  readonly subs: Map<string, Subscription>;
  authed: boolean;
  /** Wall time of the last frame sent, for SBE idle heartbeats. */
  lastSentAt: number;
  heartbeatSeq: number;
  pongTimer: NodeJS.Timeout | undefined;
}

/** The /v1 WebSocket sessions: one per socket, with its subscriptions and timers. */
class ParadexSessions {
  private readonly sessions = new Set<Session>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly pingTimer: NodeJS.Timeout;
  private readonly heartbeatTimer: NodeJS.Timeout;

  constructor(private readonly opts: ParadexServerOptions) {
    this.pingTimer = setInterval(() => this.ping(), opts.pingIntervalMs);
    this.heartbeatTimer = setInterval(() => this.heartbeat(), Math.max(10, Math.floor(opts.heartbeatIntervalMs / 2)));
  }

  get count(): number {
    return this.sessions.size;
  }

  /** One update round to every subscription, unless the feed is paused (stale). */
  publish(): void {
    const { faults } = this.opts;
    if (faults.isPaused('paradex')) return;
    const malformed = faults.takeMalformed('paradex');
    const seqFaults = faults.takeSeqFaults();
    for (const session of this.sessions) {
      for (const [channel, sub] of session.subs) this.push(session, channel, sub, malformed, seqFaults);
    }
  }

  upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://sim');
    if (url.pathname !== '/v1') {
      rejectUpgrade(socket, 404, 'Not Found');
      return;
    }
    const schemaId = url.searchParams.get('sbeSchemaId');
    const schemaVersion = url.searchParams.get('sbeSchemaVersion');
    const wantsSbe = schemaId !== null || schemaVersion !== null;
    if (wantsSbe && (schemaId !== '1' || schemaVersion !== '1')) {
      rejectUpgrade(socket, 400, 'Bad Request', 'unsupported sbeSchemaId/sbeSchemaVersion');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, wantsSbe));
  }

  dropAll(): void {
    for (const session of this.sessions) session.ws.terminate();
  }

  async close(): Promise<void> {
    clearInterval(this.pingTimer);
    clearInterval(this.heartbeatTimer);
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const session of this.sessions) if (session.pongTimer) clearTimeout(session.pongTimer);
    this.dropAll();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private accept(ws: WebSocket, sbe: boolean): void {
    const session: Session = { ws, sbe, subs: new Map(), authed: false, lastSentAt: Date.now(), heartbeatSeq: 0, pongTimer: undefined };
    this.sessions.add(session);
    ws.on('message', (raw) => this.onMessage(session, raw));
    ws.on('pong', () => {
      if (session.pongTimer) clearTimeout(session.pongTimer);
      session.pongTimer = undefined;
    });
    ws.on('error', () => ws.terminate());
    ws.on('close', () => {
      if (session.pongTimer) clearTimeout(session.pongTimer);
      this.sessions.delete(session);
    });
  }

  private onMessage(session: Session, raw: RawData): void {
    let msg: unknown;
    try {
      msg = JSON.parse(rawText(raw));
    } catch {
      this.replyError(session, null, { code: -32700, message: 'parse error' });
      return;
    }
    if (!isRecord(msg) || msg.jsonrpc !== '2.0' || typeof msg.method !== 'string') {
      this.replyError(session, isRecord(msg) ? msg.id : null, { code: -32600, message: 'invalid request' });
      return;
    }
    const params = isRecord(msg.params) ? msg.params : undefined;
    switch (msg.method) {
      case 'subscribe':
      case 'unsubscribe': {
        const channel = params?.channel;
        if (typeof channel !== 'string' || channel === '') {
          this.replyError(session, msg.id, { code: -32602, message: 'invalid params', data: 'params.channel is required' });
        } else if (msg.method === 'subscribe') this.subscribe(session, msg.id, channel);
        else this.unsubscribe(session, msg.id, channel);
        return;
      }
      case 'auth':
        this.auth(session, msg.id, params?.bearer);
        return;
      default:
        this.replyError(session, msg.id, { code: -32601, message: 'method does not exist' });
    }
  }

  private subscribe(session: Session, id: unknown, channel: string): void {
    if (session.subs.has(channel)) {
      this.replyError(session, id, channelError('already subscribed'));
      return;
    }
    const { source, updateIntervalMs, faults } = this.opts;
    if (faults.isRefused('paradex', channel)) {
      this.replyError(session, id, channelError('invalid channel'));
      return;
    }
    const sub = parseChannel(channel, { encoding: session.sbe ? 'sbe' : 'json', subs: session.subs.values(), source, updateIntervalMs });
    if ('code' in sub) {
      this.replyError(session, id, sub);
      return;
    }
    session.subs.set(channel, sub);
    this.reply(session, id, { channel });
    // A new subscription starts with the current book, unless the feed is paused (stale).
    if (!faults.isPaused('paradex')) this.push(session, channel, sub, undefined, undefined);
  }

  private unsubscribe(session: Session, id: unknown, channel: string): void {
    if (session.subs.delete(channel)) this.reply(session, id, { channel });
    else this.replyError(session, id, { code: -32600, message: 'invalid unsubscribe request', data: 'not subscribed' });
  }

  private auth(session: Session, id: unknown, bearer: unknown): void {
    if (typeof bearer !== 'string' || !/^[\w-]+\.[\w-]+\.[\w-]*$/.test(bearer)) {
      this.replyError(session, id, { code: 40110, message: 'malformed bearer' });
    } else if (this.opts.verifyBearer && !this.opts.verifyBearer(bearer)) {
      this.replyError(session, id, { code: 40111, message: 'invalid bearer' });
    } else {
      session.authed = true;
      this.reply(session, id, { node_id: 'sim-node-1' });
    }
  }

  /** Sends what a subscription needs this round; without seqFaults it is the push right after the ack. */
  private push(session: Session, channel: string, sub: Subscription, malformed: MalformedKind | undefined, seqFaults: SeqFaults | undefined): void {
    if (this.opts.faults.isMuted('paradex', channel)) return;
    const frames = roundFrames(sub, { encoding: session.sbe ? 'sbe' : 'json', channel, source: this.opts.source, seqFaults });
    for (const { frame, late } of frames) this.sendBook(session, frame, late ? undefined : malformed);
  }

  /** Book frames go through the delay and malformed knobs; replies never do. */
  private sendBook(session: Session, frame: Frame, malformed: MalformedKind | undefined): void {
    const out = malformed ? malformedFrame(frame, malformed) : frame;
    const delay = this.opts.faults.delayOf('paradex');
    if (delay <= 0) {
      this.send(session, out);
      return;
    }
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.send(session, out);
    }, delay);
    this.timers.add(t);
  }

  private send(session: Session, frame: Frame): void {
    if (session.ws.readyState !== WebSocket.OPEN) return;
    session.lastSentAt = Date.now();
    session.ws.send(frame);
  }

  private reply(session: Session, id: unknown, result: unknown): void {
    this.send(session, rpcResultFrame(id, result, this.opts.source.now()));
  }

  private replyError(session: Session, id: unknown, error: RpcError): void {
    this.send(session, rpcErrorFrame(id, error, this.opts.source.now()));
  }

  /** Protocol pings; a socket that has not answered the last one within pongTimeoutMs is closed. */
  private ping(): void {
    for (const session of this.sessions) {
      if (session.ws.readyState !== WebSocket.OPEN || session.pongTimer) continue;
      session.ws.ping();
      session.pongTimer = setTimeout(() => session.ws.terminate(), this.opts.pongTimeoutMs);
    }
  }

  /** SBE HeartbeatEvent on sessions idle for heartbeatIntervalMs. */
  private heartbeat(): void {
    const wall = Date.now();
    for (const session of this.sessions) {
      if (session.sbe && wall - session.lastSentAt >= this.opts.heartbeatIntervalMs) {
        this.send(session, heartbeatFrame(this.opts.source.now(), ++session.heartbeatSeq));
      }
    }
  }
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
