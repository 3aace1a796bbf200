/**
 * Simulated Paradex: public REST (/v1/markets, /v1/system/config, /v1/orderbook/{market}) with the
 * trading routes mounted in front of the 404, and the /v1 WebSocket (JSON-RPC subscribe,
 * unsubscribe, auth; order_book snapshot/deltas and bbo channels, as JSON or SBE frames).
 * Protocol facts: venues.md §1.2–1.7, §4.2.
 */
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, WebSocket, type RawData } from 'ws';
import type { Level } from '../domain/order-book';
import { encodeSbeBbo, encodeSbeBook, encodeSbeHeartbeat } from '../venues/paradex/sbe';
import { malformedFrame, type FaultState, type MalformedKind } from './faults';
import { rawText, rejectUpgrade, startHttpServer, type SimHttpServer } from './http';
import { decimalsOfStep, diffBooks, isEmptyDiff, plainDecimal, type BookLevels, type LevelChange, type SimBookSource } from './market-model';
import { simMarket, type SimMarketSpec, type SimResponse, type SimRoute } from './types';

export const PARADEX_SIM_CHAIN_ID = 'PRIVATE_SN_PARACLEAR_MAINNET';
/** Levels in a snapshot@15 frame. */
const SNAPSHOT_DEPTH = 15;
const REST_DEFAULT_DEPTH = 20;

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

type Frame = string | Uint8Array;

interface SnapshotSub {
  readonly kind: 'snapshot';
  readonly base: string;
  readonly spec: SimMarketSpec;
  /** Push every n-th round (refresh rate slower than the model update). */
  readonly everyRounds: number;
  rounds: number;
}

interface DeltasSub {
  readonly kind: 'deltas';
  readonly base: string;
  readonly spec: SimMarketSpec;
  /** Depth served: all levels on the bare channel, 15 on the JSON-only suffixed one. */
  readonly depth: number;
  lastBook: BookLevels | undefined;
  lastSeq: number;
  /** Held back by the reorder fault until the next round's frame has gone out. */
  held: Frame | undefined;
}

interface BboSub {
  readonly kind: 'bbo';
  readonly base: string;
  readonly spec: SimMarketSpec;
  lastKey: string | undefined;
}

type Subscription = SnapshotSub | DeltasSub | BboSub;

interface Conn {
  readonly ws: WebSocket;
  readonly sbe: boolean;
  readonly subs: Map<string, Subscription>;
  authed: boolean;
  /** Wall time of the last frame sent, for SBE idle heartbeats. */
  lastSentAt: number;
  heartbeatSeq: number;
  pongTimer: NodeJS.Timeout | undefined;
}

interface RpcError {
  code: number;
  message: string;
  data?: string;
}

const channelError = (data: string): RpcError => ({ code: -32600, message: 'invalid subscribe request', data });

export async function startParadexServer(opts: ParadexServerOptions): Promise<ParadexServer> {
  const conns = new Set<Conn>();
  const timers = new Set<NodeJS.Timeout>();
  const wss = new WebSocketServer({ noServer: true });

  const later = (ms: number, fn: () => void): void => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };

  const rawSend = (conn: Conn, frame: Frame): void => {
    if (conn.ws.readyState !== WebSocket.OPEN) return;
    conn.lastSentAt = Date.now();
    conn.ws.send(frame);
  };

  /** Book frames go through the delay and malformed knobs; replies never do. */
  const sendBook = (conn: Conn, frame: Frame, malformed: MalformedKind | undefined): void => {
    const out = malformed ? malformedFrame(frame, malformed) : frame;
    const delay = opts.faults.delayOf('paradex');
    if (delay > 0) later(delay, () => rawSend(conn, out));
    else rawSend(conn, out);
  };

  const reply = (conn: Conn, id: unknown, result: unknown): void => {
    const usIn = opts.source.now() * 1000;
    rawSend(conn, JSON.stringify({ jsonrpc: '2.0', result, usIn, usOut: usIn + 120, usDiff: 120, id: id ?? null }));
  };

  const replyError = (conn: Conn, id: unknown, error: RpcError): void => {
    const usIn = opts.source.now() * 1000;
    rawSend(conn, JSON.stringify({ jsonrpc: '2.0', error, usIn, usOut: usIn + 120, usDiff: 120, id: id ?? null }));
  };

  // ---- frames -------------------------------------------------------------------------------

  const bookFrame = (
    conn: Conn,
    channel: string,
    spec: SimMarketSpec,
    seq: number,
    kind: 'snapshot' | 'delta',
    bids: readonly (Level | LevelChange)[],
    asks: readonly (Level | LevelChange)[],
    top: BookLevels,
  ): Frame => {
    const ts = opts.source.updatedAt();
    const bestBid = top.bids[0];
    const bestAsk = top.asks[0];
    if (conn.sbe) {
      return encodeSbeBook({
        market: spec.paradex.symbol,
        seq,
        ts: ts * 1000,
        kind,
        bids: bids.map(plainLevel),
        asks: asks.map(plainLevel),
        ...(bestBid ? { bestBidApi: bestBid } : {}),
        ...(bestAsk ? { bestAskApi: bestAsk } : {}),
      });
    }
    const fmt = levelFormatter(spec);
    const inserts: WireLevel[] = [];
    const updates: WireLevel[] = [];
    const deletes: WireLevel[] = [];
    for (const [levels, side] of [
      [bids, 'BUY'],
      [asks, 'SELL'],
    ] as const) {
      for (const l of levels) {
        const k = 'kind' in l ? l.kind : 'insert';
        (k === 'insert' ? inserts : k === 'update' ? updates : deletes).push(fmt(side, l));
      }
    }
    const data: Record<string, unknown> = {
      seq_no: seq,
      market: spec.paradex.symbol,
      last_updated_at: ts,
      update_type: kind === 'snapshot' ? 's' : 'd',
      inserts,
      updates,
      deletes,
    };
    if (bestBid) data.best_bid_api = fmt('BUY', bestBid);
    if (bestAsk) data.best_ask_api = fmt('SELL', bestAsk);
    return JSON.stringify({ jsonrpc: '2.0', method: 'subscription', params: { channel, data } });
  };

  const bboFrame = (conn: Conn, channel: string, spec: SimMarketSpec, book: BookLevels, seq: number): Frame => {
    const ts = opts.source.updatedAt();
    const bid = book.bids[0];
    const ask = book.asks[0];
    if (conn.sbe) {
      return encodeSbeBbo({ market: spec.paradex.symbol, seq, ts: ts * 1000, ...(bid ? { bid } : {}), ...(ask ? { ask } : {}) });
    }
    const pd = decimalsOfStep(spec.paradex.priceTick);
    const sd = decimalsOfStep(spec.paradex.sizeIncrement);
    const data = {
      market: spec.paradex.symbol,
      seq_no: seq,
      bid: bid ? plainDecimal(bid.price, pd) : null,
      bid_size: bid ? plainDecimal(bid.size, sd) : null,
      ask: ask ? plainDecimal(ask.price, pd) : null,
      ask_size: ask ? plainDecimal(ask.size, sd) : null,
      last_updated_at: ts,
    };
    return JSON.stringify({ jsonrpc: '2.0', method: 'subscription', params: { channel, data } });
  };

  const topOf = (book: BookLevels, depth: number): BookLevels =>
    depth >= Math.max(book.bids.length, book.asks.length) ? book : { bids: book.bids.slice(0, depth), asks: book.asks.slice(0, depth) };

  /** Sends what a subscription needs this round; `initial` is the push right after the ack. */
  const pushSub = (
    conn: Conn,
    channel: string,
    sub: Subscription,
    malformed: MalformedKind | undefined,
    seqFaults: { skip: boolean; duplicate: boolean; reorder: 'hold' | 'release' | undefined } | undefined,
  ): void => {
    const full = opts.source.paradexBook(sub.base);
    const seq = opts.source.paradexSeq(sub.base);
    switch (sub.kind) {
      case 'snapshot': {
        if (seqFaults && sub.rounds++ % sub.everyRounds !== 0) return;
        const book = topOf(full, SNAPSHOT_DEPTH);
        sendBook(conn, bookFrame(conn, channel, sub.spec, seq, 'snapshot', book.bids, book.asks, book), malformed);
        return;
      }
      case 'bbo': {
        const bid = full.bids[0];
        const ask = full.asks[0];
        const key = `${bid?.price}/${bid?.size}/${ask?.price}/${ask?.size}`;
        if (key === sub.lastKey) return;
        sub.lastKey = key;
        sendBook(conn, bboFrame(conn, channel, sub.spec, full, seq), malformed);
        return;
      }
      case 'deltas': {
        const book = topOf(full, sub.depth);
        if (!sub.lastBook) {
          sub.lastBook = book;
          sub.lastSeq = seq;
          sendBook(conn, bookFrame(conn, channel, sub.spec, seq, 'snapshot', book.bids, book.asks, book), malformed);
          return;
        }
        const diff = diffBooks(sub.lastBook, book);
        if (isEmptyDiff(diff)) return;
        const f = seqFaults ?? { skip: false, duplicate: false, reorder: undefined };
        const nextSeq = sub.lastSeq + (f.skip ? 2 : 1);
        const frame = bookFrame(conn, channel, sub.spec, nextSeq, 'delta', diff.bids, diff.asks, book);
        sub.lastBook = book;
        sub.lastSeq = nextSeq;
        if (f.reorder === 'hold' && sub.held === undefined) {
          sub.held = frame;
          return;
        }
        sendBook(conn, frame, malformed);
        if (f.duplicate) sendBook(conn, frame, malformed);
        if (sub.held !== undefined) {
          sendBook(conn, sub.held, undefined);
          sub.held = undefined;
        }
        return;
      }
    }
  };

  const publish = (): void => {
    if (opts.faults.isPaused('paradex')) return;
    const malformed = opts.faults.takeMalformed('paradex');
    const seqFaults = opts.faults.takeSeqFaults();
    for (const conn of conns) {
      for (const [channel, sub] of conn.subs) pushSub(conn, channel, sub, malformed, seqFaults);
    }
  };

  // ---- JSON-RPC ------------------------------------------------------------------------------

  const paradexSpec = (symbol: string): SimMarketSpec | undefined => servedSpec(opts.source, symbol);

  const parseChannel = (conn: Conn, channel: string): Subscription | RpcError => {
    const bbo = /^bbo\.([^.]+)$/.exec(channel);
    if (bbo) {
      const spec = paradexSpec(bbo[1]!);
      return spec ? { kind: 'bbo', base: spec.base, spec, lastKey: undefined } : channelError('invalid channel');
    }
    const ob = /^order_book\.([^.]+)\.(snapshot|deltas)(?:@(.*))?$/.exec(channel);
    if (!ob) return channelError('invalid channel');
    const spec = paradexSpec(ob[1]!);
    if (!spec) return channelError('invalid channel');
    const feed = ob[2]!;
    const params = ob[3];
    if (conn.sbe) {
      for (const other of conn.subs.values()) {
        if (other.kind !== 'bbo' && other.base === spec.base) {
          return channelError(`order_book channels of ${spec.paradex.symbol} cannot share an SBE session`);
        }
      }
    }
    if (feed === 'deltas') {
      if (params === undefined) return { kind: 'deltas', base: spec.base, spec, depth: Number.POSITIVE_INFINITY, lastBook: undefined, lastSeq: 0, held: undefined };
      if (conn.sbe) return channelError('no parameters expected for deltas topic.');
      if (!/^15@(50|100)ms$/.test(params)) return channelError('invalid channel');
      return { kind: 'deltas', base: spec.base, spec, depth: SNAPSHOT_DEPTH, lastBook: undefined, lastSeq: 0, held: undefined };
    }
    const rates = conn.sbe ? ['50', '100', '200', '400'] : ['50', '100'];
    const snap = /^15@(\d+)ms$/.exec(params ?? '');
    if (!snap || !rates.includes(snap[1]!)) return channelError('invalid channel');
    const refreshMs = Number(snap[1]);
    const everyRounds = opts.updateIntervalMs > 0 ? Math.max(1, Math.round(refreshMs / opts.updateIntervalMs)) : 1;
    return { kind: 'snapshot', base: spec.base, spec, everyRounds, rounds: 0 };
  };

  const onMessage = (conn: Conn, raw: RawData): void => {
    let msg: unknown;
    try {
      msg = JSON.parse(rawText(raw));
    } catch {
      replyError(conn, null, { code: -32700, message: 'parse error' });
      return;
    }
    if (!isRecord(msg) || msg.jsonrpc !== '2.0' || typeof msg.method !== 'string') {
      replyError(conn, isRecord(msg) ? msg.id : null, { code: -32600, message: 'invalid request' });
      return;
    }
    const id = msg.id;
    const params = isRecord(msg.params) ? msg.params : undefined;
    switch (msg.method) {
      case 'subscribe':
      case 'unsubscribe': {
        const channel = params?.channel;
        if (typeof channel !== 'string' || channel === '') {
          replyError(conn, id, { code: -32602, message: 'invalid params', data: 'params.channel is required' });
          return;
        }
        if (msg.method === 'unsubscribe') {
          if (!conn.subs.delete(channel)) {
            replyError(conn, id, { code: -32600, message: 'invalid unsubscribe request', data: 'not subscribed' });
            return;
          }
          reply(conn, id, { channel });
          return;
        }
        if (conn.subs.has(channel)) {
          replyError(conn, id, channelError('already subscribed'));
          return;
        }
        const sub = parseChannel(conn, channel);
        if ('code' in sub) {
          replyError(conn, id, sub);
          return;
        }
        conn.subs.set(channel, sub);
        reply(conn, id, { channel });
        // A new subscription starts with the current book, unless the feed is paused (stale).
        if (!opts.faults.isPaused('paradex')) pushSub(conn, channel, sub, undefined, undefined);
        return;
      }
      case 'auth': {
        const bearer = params?.bearer;
        if (typeof bearer !== 'string' || !/^[\w-]+\.[\w-]+\.[\w-]*$/.test(bearer)) {
          replyError(conn, id, { code: 40110, message: 'malformed bearer' });
          return;
        }
        if (opts.verifyBearer && !opts.verifyBearer(bearer)) {
          replyError(conn, id, { code: 40111, message: 'invalid bearer' });
          return;
        }
        conn.authed = true;
        reply(conn, id, { node_id: 'sim-node-1' });
        return;
      }
      default:
        replyError(conn, id, { code: -32601, message: 'method does not exist' });
    }
  };

  // ---- connections ---------------------------------------------------------------------------

  const onUpgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer): void => {
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
    wss.handleUpgrade(req, socket, head, (ws) => {
      const conn: Conn = { ws, sbe: wantsSbe, subs: new Map(), authed: false, lastSentAt: Date.now(), heartbeatSeq: 0, pongTimer: undefined };
      conns.add(conn);
      ws.on('message', (raw) => onMessage(conn, raw));
      ws.on('pong', () => {
        if (conn.pongTimer) clearTimeout(conn.pongTimer);
        conn.pongTimer = undefined;
      });
      ws.on('error', () => ws.terminate());
      ws.on('close', () => {
        if (conn.pongTimer) clearTimeout(conn.pongTimer);
        conns.delete(conn);
      });
    });
  };

  const pingTimer = setInterval(() => {
    for (const conn of conns) {
      if (conn.ws.readyState !== WebSocket.OPEN || conn.pongTimer) continue;
      conn.ws.ping();
      conn.pongTimer = setTimeout(() => conn.ws.terminate(), opts.pongTimeoutMs);
    }
  }, opts.pingIntervalMs);

  const heartbeatTimer = setInterval(() => {
    const wall = Date.now();
    for (const conn of conns) {
      if (conn.sbe && wall - conn.lastSentAt >= opts.heartbeatIntervalMs) {
        rawSend(conn, encodeSbeHeartbeat(opts.source.now() * 1000, ++conn.heartbeatSeq));
      }
    }
  }, Math.max(10, Math.floor(opts.heartbeatIntervalMs / 2)));

  const http = await startHttpServer({
    host: opts.host,
    port: opts.port,
    routes: () => [...opts.tradingRoutes(), ...publicRoutes(opts.source)],
    notFound: (req) => ({ status: 404, body: { error: 'NOT_FOUND', message: `no route for ${req.method} ${req.path}` } }),
    onUpgrade,
  });

  const dropConnections = (): void => {
    for (const conn of conns) conn.ws.terminate();
  };

  return {
    restUrl: `http://${opts.host}:${http.port}/v1`,
    wsUrl: `ws://${opts.host}:${http.port}/v1`,
    publish,
    dropConnections,
    get connectionCount() {
      return conns.size;
    },
    close: async () => {
      clearInterval(pingTimer);
      clearInterval(heartbeatTimer);
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const conn of conns) if (conn.pongTimer) clearTimeout(conn.pongTimer);
      dropConnections();
      await closeHttp(http, wss);
    },
  };
}

async function closeHttp(http: SimHttpServer, wss: WebSocketServer): Promise<void> {
  await new Promise<void>((resolve) => wss.close(() => resolve()));
  await http.close();
}

// ---- public REST ------------------------------------------------------------------------------

function publicRoutes(source: SimBookSource): SimRoute[] {
  const json = (body: unknown, status = 200): SimResponse => ({ status, body });
  return [
    {
      method: 'GET',
      path: /^\/v1\/markets$/,
      handle: (req) => {
        const only = req.query.get('market');
        const results = source.bases
          .map((b) => simMarket(b)!)
          .filter((s) => only === null || s.paradex.symbol === only)
          .map(marketResp);
        return json({ results });
      },
    },
    { method: 'GET', path: /^\/v1\/system\/config$/, handle: () => json(SYSTEM_CONFIG) },
    { method: 'GET', path: /^\/v1\/system\/time$/, handle: () => json({ server_time: source.now() }) },
    {
      method: 'GET',
      path: /^\/v1\/orderbook\/([^/]+)$/,
      handle: (req) => {
        const spec = servedSpec(source, req.params[0] ?? '');
        if (!spec) {
          return json({ error: 'MARKET_NOT_FOUND', message: `market ${req.params[0]} not found` }, 404);
        }
        const depthParam = req.query.get('depth');
        const depth = depthParam === null ? REST_DEFAULT_DEPTH : Number(depthParam);
        if (!Number.isInteger(depth) || depth < 1) return json({ error: 'VALIDATION_ERROR', message: 'depth must be a positive integer' }, 400);
        const book = source.paradexBook(spec.base);
        const pd = decimalsOfStep(spec.paradex.priceTick);
        const sd = decimalsOfStep(spec.paradex.sizeIncrement);
        const pair = (l: Level): [string, string] => [plainDecimal(l.price, pd), plainDecimal(l.size, sd)];
        const bestBid = book.bids[0];
        const bestAsk = book.asks[0];
        return json({
          market: spec.paradex.symbol,
          seq_no: source.paradexSeq(spec.base),
          last_updated_at: source.updatedAt(),
          bids: book.bids.slice(0, depth).map(pair),
          asks: book.asks.slice(0, depth).map(pair),
          best_bid_api: bestBid ? pair(bestBid) : null,
          best_ask_api: bestAsk ? pair(bestAsk) : null,
          best_bid_interactive: bestBid ? pair(bestBid) : null,
          best_ask_interactive: bestAsk ? pair(bestAsk) : null,
        });
      },
    },
  ];
}

/** `responses.MarketResp` as the real API serves it: decimals as strings, times and counts as numbers. */
function marketResp(spec: SimMarketSpec): Record<string, unknown> {
  const p = spec.paradex;
  return {
    symbol: p.symbol,
    base_currency: spec.base,
    quote_currency: 'USD',
    settlement_currency: 'USDC',
    order_size_increment: plainDecimal(p.sizeIncrement, decimalsOfStep(p.sizeIncrement)),
    price_tick_size: plainDecimal(p.priceTick, decimalsOfStep(p.priceTick)),
    min_notional: String(p.minNotional),
    open_at: 1_698_756_879_745,
    expiry_at: 0,
    asset_kind: 'PERP',
    market_kind: 'cross',
    position_limit: String(p.maxOrderSize * 20),
    price_bands_width: '0.05',
    max_slippage: '0.05',
    max_open_orders: 150,
    max_funding_rate: '0.05',
    delta1_cross_margin_params: { imf_base: '0.02', imf_shift: '0', imf_factor: '0', mmf_factor: '0.5' },
    price_feed_id: `0x${Buffer.from(spec.base).toString('hex').padEnd(64, '0')}`,
    oracle_ewma_factor: '0.2',
    max_order_size: String(p.maxOrderSize),
    max_funding_rate_change: '0.0005',
    max_tob_spread: '0.2',
    interest_rate: '0.0001',
    clamp_rate: '0.0005',
    funding_period_hours: 8,
    tags: [],
  };
}

const SYSTEM_CONFIG = {
  starknet_gateway_url: 'http://127.0.0.1/sim-starknet-gateway',
  starknet_fullnode_rpc_url: 'http://127.0.0.1/sim-starknet-rpc',
  starknet_chain_id: PARADEX_SIM_CHAIN_ID,
  block_explorer_url: 'http://127.0.0.1/sim-explorer/',
  paraclear_address: '0x4638e3041366aa71720be63e32e53e1223316c7f0d56f7aa617542ed1e7554d',
  paraclear_decimals: 8,
  paraclear_account_proxy_hash: '0x3530cc4759d78042f1b543bf797f5f3d647cde0388c33734cf91b7f7b9314a9',
  paraclear_account_hash: '0x41cb0280ebadaa75f996d8d92c6f265f6d040bb3ba442e5f86a554f1765244e',
  oracle_address: '0x47c622ef6bf8ee1d1d6b3f4e7ba8fe2bd3dfd3b6b0fc6c5f2dcd6aa6cfc3c9f',
  bridged_tokens: [
    {
      name: 'USDC',
      symbol: 'USDC',
      decimals: 6,
      l1_token_address: '0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48',
      l1_bridge_address: '0xE3cbE3A636AB6A754e9e41B12b09d09Ce9E53Db3',
      l2_token_address: '0x7348407ebad690fec0cc8597e87dc16ef7b269a655ff72587dafff83d462be2',
      l2_bridge_address: '0x21fe8e4a8b5d4e0a55fbc2b4b9e4a14d4a5f2e0c0a8e5a1b1e3c7e3d5e1b9a1',
    },
  ],
  l1_core_contract_address: '0xF338cad020D506e8e3d9B4854986E0EcE6C23640',
  l1_operator_address: '0x9bc6ebc1f4e01b5b2b5f2aba3c0d5e30d1f4fb9b',
  l1_chain_id: '1',
  liquidation_fee: '0.2',
};

// ---- helpers ----------------------------------------------------------------------------------

interface WireLevel {
  side: 'BUY' | 'SELL';
  price: string;
  size: string;
}

function levelFormatter(spec: SimMarketSpec): (side: 'BUY' | 'SELL', l: Level) => WireLevel {
  const pd = decimalsOfStep(spec.paradex.priceTick);
  const sd = decimalsOfStep(spec.paradex.sizeIncrement);
  return (side, l) => ({ side, price: plainDecimal(l.price, pd), size: plainDecimal(l.size, sd) });
}

function plainLevel(l: Level): Level {
  return { price: l.price, size: l.size };
}

/** The spec of a Paradex symbol this sim serves, else undefined. */
function servedSpec(source: SimBookSource, symbol: string): SimMarketSpec | undefined {
  const base = symbol.endsWith('-USD-PERP') ? symbol.slice(0, -'-USD-PERP'.length) : undefined;
  return base !== undefined && source.bases.includes(base) ? simMarket(base) : undefined;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

