/**
 * Simulated Vest: public REST (vest-public.ts) behind the required `xrestservermm: restserver{N}`
 * header, with the trading routes mounted in front of the 404, and the /ws-api WebSocket (SUBSCRIBE,
 * UNSUBSCRIBE, PING; SYM@depth top-20 snapshots). This file holds the sockets and the delay/malformed
 * knobs; frames live in vest-frames.ts. Protocol facts: venues.md §2.1–2.3, §4.2.
 */
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, WebSocket, type RawData } from 'ws';
import { malformedFrame, type FaultState, type MalformedKind } from './faults';
import { rawText, rejectUpgrade, startHttpServer, type SimHttpServer } from './http';
import type { SimBookSource } from './market-model';
import { simMarket, type SimMarketSpec, type SimRoute } from './types';
import { depthFrame, errorFrame, pongFrame, replyFrame } from './vest-frames';
import { servedVestSpec, vestPublicRoutes, vestTicker } from './vest-public';

export { VEST_WS_DEPTH } from './vest-frames';

/** WS close codes listed in the Vest docs (their use as close codes is an inference, venues.md §2.2). */
export const VEST_CLOSE = { wrongVersion: 4000, accountGroupNotFound: 4001, accountGroupInvalid: 4002 } as const;

export interface VestServerOptions {
  host: string;
  port: number;
  source: SimBookSource;
  faults: FaultState;
  tradingRoutes: () => readonly SimRoute[];
}

export interface VestServer {
  readonly restUrl: string;
  readonly wsUrl: string;
  publish(): void;
  dropConnections(): void;
  readonly connectionCount: number;
  close(): Promise<void>;
}

const ACCOUNT_GROUP = /^restserver\d+$/;

export async function startVestServer(opts: VestServerOptions): Promise<VestServer> {
  const sessions = new VestSessions(opts);
  let server: SimHttpServer;
  try {
    server = await startHttpServer({
      host: opts.host,
      port: opts.port,
      routes: () => [...opts.tradingRoutes(), ...vestPublicRoutes(opts.source)],
      guard: (req) => {
        const group = req.headers['xrestservermm'];
        if (typeof group === 'string' && ACCOUNT_GROUP.test(group)) return undefined;
        return { status: 400, body: { code: 400, msg: 'missing or invalid xrestservermm header (expected restserver{N})' } };
      },
      notFound: (req) => ({ status: 404, body: { code: 404, msg: `no route for ${req.method} ${req.path}` } }),
      onUpgrade: (req, socket, head) => sessions.upgrade(req, socket, head),
    });
  } catch (err) {
    await sessions.close();
    throw err;
  }
  return {
    restUrl: `http://${opts.host}:${server.port}/v2`,
    wsUrl: `ws://${opts.host}:${server.port}/ws-api?version=1.0&xwebsocketserver=restserver0`,
    publish: () => sessions.publish(),
    dropConnections: () => sessions.dropAll(),
    get connectionCount() {
      return sessions.count;
    },
    close: async () => {
      await sessions.close();
      await server.close();
    },
  };
}

interface Session {
  readonly ws: WebSocket;
  /** Subscribed channel names; only `@depth` ones carry data. */
  readonly channels: Set<string>;
}

/** The /ws-api WebSocket sessions and their subscribed channels. */
class VestSessions {
  private readonly sessions = new Set<Session>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly wss = new WebSocketServer({ noServer: true });

  constructor(private readonly opts: VestServerOptions) {}

  get count(): number {
    return this.sessions.size;
  }

  /** One update round: a depth snapshot on every depth channel, unless the feed is paused (stale). */
  publish(): void {
    const { faults } = this.opts;
    if (faults.isPaused('vest')) return;
    const malformed = faults.takeMalformed('vest');
    for (const session of this.sessions) {
      for (const channel of session.channels) this.pushDepth(session, channel, malformed);
    }
  }

  upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://sim');
    if (url.pathname !== '/ws-api') {
      rejectUpgrade(socket, 404, 'Not Found');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      // Vest accepts the socket and then closes it with an application code.
      const version = url.searchParams.get('version');
      const group = url.searchParams.get('xwebsocketserver');
      if (version !== '1.0') return ws.close(VEST_CLOSE.wrongVersion, 'WRONG_VERSION');
      if (group === null || group === '') return ws.close(VEST_CLOSE.accountGroupNotFound, 'ACCOUNT_GROUP_NOT_FOUND');
      if (!ACCOUNT_GROUP.test(group)) return ws.close(VEST_CLOSE.accountGroupInvalid, 'ACCOUNT_GROUP_INVALID');
      const session: Session = { ws, channels: new Set() };
      this.sessions.add(session);
      ws.on('message', (raw) => this.onMessage(session, raw));
      ws.on('error', () => ws.terminate());
      ws.on('close', () => this.sessions.delete(session));
    });
  }

  dropAll(): void {
    for (const session of this.sessions) session.ws.terminate();
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.dropAll();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private onMessage(session: Session, raw: RawData): void {
    let msg: unknown;
    try {
      msg = JSON.parse(rawText(raw));
    } catch {
      this.send(session, errorFrame('invalid JSON', null));
      return;
    }
    if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) {
      this.send(session, errorFrame('invalid request', null));
      return;
    }
    const { method, params, id } = msg as { method?: unknown; params?: unknown; id?: unknown };
    if (method === 'PING') this.send(session, pongFrame());
    else if (method === 'SUBSCRIBE' || method === 'UNSUBSCRIBE') this.subscription(session, method, params, id);
    else this.send(session, errorFrame(`unknown method ${JSON.stringify(method)}`, id));
  }

  private subscription(session: Session, method: 'SUBSCRIBE' | 'UNSUBSCRIBE', params: unknown, id: unknown): void {
    const channels = Array.isArray(params) ? params : undefined;
    const bad = channels?.find((c) => typeof c !== 'string' || !this.isKnownChannel(c) || this.opts.faults.isRefused('vest', c));
    if (!channels || bad !== undefined) {
      this.send(session, errorFrame(`invalid channel ${JSON.stringify(bad ?? params)}`, id));
      return;
    }
    const added: string[] = [];
    for (const c of channels as string[]) {
      if (method === 'UNSUBSCRIBE') session.channels.delete(c);
      else if (!session.channels.has(c)) {
        session.channels.add(c);
        added.push(c);
      }
    }
    this.send(session, replyFrame(id));
    // A new subscription starts with the current book, unless the feed is paused (stale).
    if (this.opts.faults.isPaused('vest')) return;
    for (const c of added) this.pushDepth(session, c, undefined);
  }

  /** Channels the docs list for a symbol; only depth is simulated with data. */
  private isKnownChannel(channel: string): boolean {
    if (channel === 'tickers') return true;
    const m = /^(.+)@(depth|trades|kline_\w+)$/.exec(channel);
    return m !== null && servedVestSpec(this.opts.source, m[1]!) !== undefined;
  }

  private depthSpec(channel: string): SimMarketSpec | undefined {
    const m = /^(.+)@depth$/.exec(channel);
    return m ? servedVestSpec(this.opts.source, m[1]!) : undefined;
  }

  private pushDepth(session: Session, channel: string, malformed: MalformedKind | undefined): void {
    if (this.opts.faults.isMuted('vest', channel)) return;
    const spec = channel === 'tickers' ? undefined : this.depthSpec(channel);
    const frame = spec ? depthFrame(channel, spec, this.opts.source.vestBook(spec.base)) : channel === 'tickers' ? this.tickersFrame() : undefined;
    if (frame === undefined) return;
    const out = malformed ? (malformedFrame(frame, malformed) as string) : frame;
    const delay = this.opts.faults.delayOf('vest');
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

  /** `{"channel":"tickers","data":[…]}`: every served market's funding rate per hour and cumulative index. */
  private tickersFrame(): string | undefined {
    const { source } = this.opts;
    const data = source.bases.map((b) => vestTicker(simMarket(b)!, source)).filter((t) => t !== undefined);
    return data.length === 0 ? undefined : JSON.stringify({ channel: 'tickers', data });
  }

  private send(session: Session, frame: string): void {
    if (session.ws.readyState === WebSocket.OPEN) session.ws.send(frame);
  }
}
