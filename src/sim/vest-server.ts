/**
 * Simulated Vest: public REST (/v2/depth, /v2/exchangeInfo) behind the required
 * `xrestservermm: restserver{N}` header, with the trading routes mounted in front of the 404,
 * and the /ws-api WebSocket (SUBSCRIBE, UNSUBSCRIBE, PING; SYM@depth top-20 snapshots).
 * Protocol facts: venues.md §2.1–2.3, §4.2.
 */
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, WebSocket, type RawData } from 'ws';
import type { Level } from '../domain/order-book';
import { malformedFrame, type FaultState, type MalformedKind } from './faults';
import { rawText, rejectUpgrade, startHttpServer } from './http';
import type { SimBookSource } from './market-model';
import { simMarket, type SimMarketSpec, type SimResponse, type SimRoute } from './types';

/** Levels in a depth push (venues.md §2.2: top-N snapshots; the bot's reference client reads 20). */
export const VEST_WS_DEPTH = 20;
const REST_DEFAULT_DEPTH = 20;
const REST_MAX_DEPTH = 100;

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

interface Conn {
  readonly ws: WebSocket;
  /** Subscribed channel names; only `@depth` ones carry data. */
  readonly channels: Set<string>;
}

const ACCOUNT_GROUP = /^restserver\d+$/;

export async function startVestServer(opts: VestServerOptions): Promise<VestServer> {
  const conns = new Set<Conn>();
  const timers = new Set<NodeJS.Timeout>();
  const wss = new WebSocketServer({ noServer: true });

  const send = (conn: Conn, frame: string): void => {
    if (conn.ws.readyState === WebSocket.OPEN) conn.ws.send(frame);
  };

  const sendBook = (conn: Conn, frame: string, malformed: MalformedKind | undefined): void => {
    const out = malformed ? (malformedFrame(frame, malformed) as string) : frame;
    const delay = opts.faults.delayOf('vest');
    if (delay <= 0) {
      send(conn, out);
      return;
    }
    const t = setTimeout(() => {
      timers.delete(t);
      send(conn, out);
    }, delay);
    timers.add(t);
  };

  const depthFrame = (channel: string, spec: SimMarketSpec): string => {
    const book = opts.source.vestBook(spec.base);
    const pair = vestPair(spec);
    return JSON.stringify({
      channel,
      data: { bids: book.bids.slice(0, VEST_WS_DEPTH).map(pair), asks: book.asks.slice(0, VEST_WS_DEPTH).map(pair) },
    });
  };

  const depthSpec = (channel: string): SimMarketSpec | undefined => {
    const m = /^(.+)@depth$/.exec(channel);
    return m ? servedSpec(opts.source, m[1]!) : undefined;
  };

  const publish = (): void => {
    if (opts.faults.isPaused('vest')) return;
    const malformed = opts.faults.takeMalformed('vest');
    for (const conn of conns) {
      for (const channel of conn.channels) {
        const spec = depthSpec(channel);
        if (spec) sendBook(conn, depthFrame(channel, spec), malformed);
      }
    }
  };

  /** Channels the docs list for a symbol; only depth is simulated with data. */
  const isKnownChannel = (channel: string): boolean => {
    if (channel === 'tickers') return true;
    const m = /^(.+)@(depth|trades|kline_\w+)$/.exec(channel);
    return m !== null && servedSpec(opts.source, m[1]!) !== undefined;
  };

  const onMessage = (conn: Conn, raw: RawData): void => {
    let msg: unknown;
    try {
      msg = JSON.parse(rawText(raw));
    } catch {
      send(conn, JSON.stringify({ error: { code: 400, msg: 'invalid JSON' }, id: null }));
      return;
    }
    if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) {
      send(conn, JSON.stringify({ error: { code: 400, msg: 'invalid request' }, id: null }));
      return;
    }
    const { method, params, id } = msg as { method?: unknown; params?: unknown; id?: unknown };
    switch (method) {
      case 'PING':
        send(conn, JSON.stringify({ data: 'PONG' }));
        return;
      case 'SUBSCRIBE':
      case 'UNSUBSCRIBE': {
        const channels = Array.isArray(params) ? params : undefined;
        const bad = channels?.find((c) => typeof c !== 'string' || !isKnownChannel(c));
        if (!channels || bad !== undefined) {
          send(conn, JSON.stringify({ error: { code: 400, msg: `invalid channel ${JSON.stringify(bad ?? params)}` }, id: id ?? null }));
          return;
        }
        const added: string[] = [];
        for (const c of channels as string[]) {
          if (method === 'UNSUBSCRIBE') conn.channels.delete(c);
          else if (!conn.channels.has(c)) {
            conn.channels.add(c);
            added.push(c);
          }
        }
        send(conn, JSON.stringify({ result: null, id: id ?? null }));
        if (opts.faults.isPaused('vest')) return;
        for (const c of added) {
          const spec = depthSpec(c);
          if (spec) sendBook(conn, depthFrame(c, spec), undefined);
        }
        return;
      }
      default:
        send(conn, JSON.stringify({ error: { code: 400, msg: `unknown method ${JSON.stringify(method)}` }, id: id ?? null }));
    }
  };

  const onUpgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer): void => {
    const url = new URL(req.url ?? '/', 'http://sim');
    if (url.pathname !== '/ws-api') {
      rejectUpgrade(socket, 404, 'Not Found');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      // Vest accepts the socket and then closes it with an application code.
      const version = url.searchParams.get('version');
      const group = url.searchParams.get('xwebsocketserver');
      if (version !== '1.0') return ws.close(VEST_CLOSE.wrongVersion, 'WRONG_VERSION');
      if (group === null || group === '') return ws.close(VEST_CLOSE.accountGroupNotFound, 'ACCOUNT_GROUP_NOT_FOUND');
      if (!ACCOUNT_GROUP.test(group)) return ws.close(VEST_CLOSE.accountGroupInvalid, 'ACCOUNT_GROUP_INVALID');
      const conn: Conn = { ws, channels: new Set() };
      conns.add(conn);
      ws.on('message', (raw) => onMessage(conn, raw));
      ws.on('error', () => ws.terminate());
      ws.on('close', () => conns.delete(conn));
    });
  };

  const server = await startHttpServer({
    host: opts.host,
    port: opts.port,
    routes: () => [...opts.tradingRoutes(), ...publicRoutes(opts.source)],
    guard: (req) => {
      const group = req.headers['xrestservermm'];
      if (typeof group === 'string' && ACCOUNT_GROUP.test(group)) return undefined;
      return { status: 400, body: { code: 400, msg: 'missing or invalid xrestservermm header (expected restserver{N})' } };
    },
    notFound: (req) => ({ status: 404, body: { code: 404, msg: `no route for ${req.method} ${req.path}` } }),
    onUpgrade,
  });

  const dropConnections = (): void => {
    for (const conn of conns) conn.ws.terminate();
  };

  return {
    restUrl: `http://${opts.host}:${server.port}/v2`,
    wsUrl: `ws://${opts.host}:${server.port}/ws-api?version=1.0&xwebsocketserver=restserver0`,
    publish,
    dropConnections,
    get connectionCount() {
      return conns.size;
    },
    close: async () => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      dropConnections();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await server.close();
    },
  };
}

function publicRoutes(source: SimBookSource): SimRoute[] {
  return [
    {
      method: 'GET',
      path: /^\/v2\/depth$/,
      handle: (req): SimResponse => {
        const spec = servedSpec(source, req.query.get('symbol') ?? '');
        if (!spec) return { status: 400, body: { code: 400, msg: `unknown symbol ${JSON.stringify(req.query.get('symbol'))}` } };
        const limitParam = req.query.get('limit');
        const limit = limitParam === null ? REST_DEFAULT_DEPTH : Number(limitParam);
        if (!Number.isInteger(limit) || limit < 1 || limit > REST_MAX_DEPTH) {
          return { status: 400, body: { code: 400, msg: `limit must be an integer in 1..${REST_MAX_DEPTH}` } };
        }
        const book = source.vestBook(spec.base);
        const pair = vestPair(spec);
        return { status: 200, body: { bids: book.bids.slice(0, limit).map(pair), asks: book.asks.slice(0, limit).map(pair) } };
      },
    },
    {
      method: 'GET',
      path: /^\/v2\/exchangeInfo$/,
      handle: (req): SimResponse => {
        const only = req.query.get('symbols')?.split(',').filter((s) => s !== '');
        const symbols = source.bases
          .map((b) => simMarket(b)!)
          .filter((s) => !only || only.includes(s.vest.symbol))
          .map((s) => ({
            symbol: s.vest.symbol,
            displayName: `${s.base}-PERP`,
            base: s.base,
            quote: 'USDC',
            sizeDecimals: s.vest.sizeDecimals,
            priceDecimals: s.vest.priceDecimals,
            initMarginRatio: String(s.vest.initMarginRatio),
            maintMarginRatio: String(s.vest.maintMarginRatio),
            takerFee: String(s.vest.takerFee),
            isolated: false,
          }));
        return {
          status: 200,
          body: {
            symbols,
            exchange: { lp: '0x0000000000000000000000000000000000000001', insurance: '0x0000000000000000000000000000000000000002', collateralDecimals: 6 },
          },
        };
      },
    },
  ];
}

/** Vest writes prices and sizes with the symbol's fixed decimals, as [price, qty] strings. */
function vestPair(spec: SimMarketSpec): (l: Level) => [string, string] {
  return (l) => [l.price.toFixed(spec.vest.priceDecimals), l.size.toFixed(spec.vest.sizeDecimals)];
}

function servedSpec(source: SimBookSource, symbol: string): SimMarketSpec | undefined {
  const base = symbol.endsWith('-PERP') && !symbol.endsWith('-USD-PERP') ? symbol.slice(0, -'-PERP'.length) : undefined;
  return base !== undefined && source.bases.includes(base) ? simMarket(base) : undefined;
}
