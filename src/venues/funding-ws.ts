/**
 * Public funding over each venue's WebSocket, as an Observable of `FundingSnapshot` in the bot's unit
 * (fraction of notional per hour; cumulative index, quote per unit of base):
 * - Paradex `funding_data.{market}`: an SBE FundingDataEvent (template 5) on an SBE session, the JSON
 *   row (`responses.FundingDataResult`) on a JSON one (venues.md §1.4–1.5). On an SBE session the same socket
 *   also reads `markets_summary.{market}` (MarketSummaryEvent, template 4) for its `fundingRatePrecise`: the
 *   FundingDataEvent's rate is Rate8 (8 decimals), the summary's precise one Rate12; each snapshot takes the
 *   index from funding_data and the rate from the latest summary (funding.ts paradexFundingOfSbe).
 * - Vest `tickers`: `oneHrFundingRate` per hour and `cumFunding` of the symbol's entry (venues.md §2.2).
 *
 * One socket per subscription, reconnecting with backoff (ws-connection.ts). A malformed frame is
 * counted in `stats` and dropped. A refused subscribe ends the stream with `FundingChannelRefused`:
 * the caller falls back to REST (streams/funding-with-fallback.ts). A socket that is down or silent
 * just emits nothing; reacting to silence is the caller's choice too.
 */
import { Observable } from 'rxjs';
import type { FundingSnapshot } from '../domain/funding';
import { decodeParadexFundingFrame, decodeVestTickersFrame, paradexFundingOfSbe, type FundingDecoded } from './funding';
import { paradexWsUrl, type ParadexEncoding } from './paradex/book-client';
import { paradexRequest } from './paradex/json-codec';
import { SbeDecodeError } from './paradex/sbe';
import { decodeSbeFundingFrame, type SbeMarketSummary } from './paradex/sbe-market-summary';
import { vestRequest } from './vest/codec';
import { openReconnectingSocket, type FeedLogger, type FeedSocket } from './ws-connection';

export interface FundingWsStats {
  frames: number;
  /** Snapshots delivered. */
  updates: number;
  /** Frames counted and dropped (undecodable, wrong market, missing fields). */
  decodeErrors: number;
  reconnects: number;
  lastDropReason: string | undefined;
}

export const newFundingWsStats = (): FundingWsStats => ({ frames: 0, updates: 0, decodeErrors: 0, reconnects: 0, lastDropReason: undefined });

/** The venue refused the funding channel: the stream errors with this, once. */
export class FundingChannelRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FundingChannelRefused';
  }
}

export interface FundingWsOptions {
  readonly wsUrl: string;
  /** Venue symbol ('BTC-USD-PERP' on Paradex, 'BTC-PERP' on Vest). */
  readonly symbol: string;
  readonly stats?: FundingWsStats;
  readonly reconnect?: { readonly initialMs?: number; readonly maxMs?: number };
  /** Nothing at all (frame, ping, pong) for this long = dead socket, reconnect. Default 70 s. */
  readonly idleTimeoutMs?: number;
  /** Local clock (Vest rows carry no time). */
  readonly now?: () => number;
  readonly logger?: FeedLogger;
  readonly createSocket?: (url: string) => FeedSocket;
  /**
   * Each snapshot with the frame it was read from, before it is emitted (a recording keeps the channel's frame
   * beside the figure: src/venues/funding-record.ts).
   */
  readonly onSnapshot?: (snapshot: FundingSnapshot, frame: Uint8Array, isBinary: boolean, rateFrame?: Uint8Array) => void;
}

/** What one frame of a funding channel means. */
export type FundingFrame =
  /** `rateFrame`: the frame the rate came from when not this one (Paradex's MarketSummaryEvent). */
  | { readonly kind: 'snapshot'; readonly snapshot: FundingSnapshot; readonly rateFrame?: Uint8Array }
  | { readonly kind: 'refused'; readonly reason: string }
  | { readonly kind: 'malformed'; readonly reason: string }
  | { readonly kind: 'ignored' };

/** A venue's funding channel: what to send on open, how to read a frame, and an optional client keep-alive. */
export interface FundingChannel {
  /** The frames to send on open (one subscribe per channel). */
  subscribe(): readonly string[];
  read(frame: Uint8Array, isBinary: boolean, receivedAt: number): FundingFrame;
  readonly keepAlive?: { readonly everyMs: number; readonly frame: () => string };
}

const SUBSCRIBE_ID = 1;
/** Paradex's markets_summary subscribe: refused or not, funding_data alone still gives the figures. */
const SUMMARY_SUBSCRIBE_ID = 2;
const utf8 = new TextDecoder();

/** The per-hour rate a FundingDataEvent gives alone (to tell whether a summary's rate was taken). */
const paradexFundingOfSbeRate = (msg: Parameters<typeof paradexFundingOfSbe>[0], market: string): number | undefined => {
  const d = paradexFundingOfSbe(msg, market);
  return d.ok ? d.snapshot.ratePerHour : undefined;
};

const fromDecoded = (d: FundingDecoded): FundingFrame => (d.ok ? { kind: 'snapshot', snapshot: d.snapshot } : { kind: 'malformed', reason: d.reason });

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Paradex `funding_data.{market}`: SBE template 5 on binary frames, the JSON row on text ones; JSON-RPC replies.
 * With `preciseRate` (SBE sessions) also `markets_summary.{market}`, whose latest MarketSummaryEvent gives the rate.
 */
export function paradexFundingChannel(market: string, preciseRate = false): FundingChannel {
  const channel = `funding_data.${market}`;
  let summary: { readonly msg: SbeMarketSummary; readonly frame: Uint8Array } | undefined;
  return {
    subscribe: () => [paradexRequest('subscribe', channel, SUBSCRIBE_ID), ...(preciseRate ? [paradexRequest('subscribe', `markets_summary.${market}`, SUMMARY_SUBSCRIBE_ID)] : [])],
    read(frame, isBinary) {
      if (isBinary) {
        try {
          const msg = decodeSbeFundingFrame(frame);
          if (msg.type === 'marketSummary') {
            if (msg.market !== market) return { kind: 'malformed', reason: `paradex market summary is for ${msg.market}, expected ${market}` };
            summary = { msg, frame: frame.slice() };
            return { kind: 'ignored' };
          }
          // Heartbeats and templates this client does not read are skipped (the schema's rule).
          if (msg.type !== 'fundingData') return { kind: 'ignored' };
          const decoded = paradexFundingOfSbe(msg, market, summary?.msg);
          // The summary's frame travels with the figure only when its rate was taken (a recording keeps both).
          const used = summary !== undefined && decoded.ok && decoded.snapshot.ratePerHour !== paradexFundingOfSbeRate(msg, market);
          return decoded.ok ? { kind: 'snapshot', snapshot: decoded.snapshot, ...(used ? { rateFrame: summary!.frame } : {}) } : fromDecoded(decoded);
        } catch (e) {
          return { kind: 'malformed', reason: e instanceof SbeDecodeError ? e.message : String(e) };
        }
      }
      const text = utf8.decode(frame);
      const msg = parseJson(text);
      if (msg === undefined) return { kind: 'malformed', reason: 'paradex funding frame: not a JSON object' };
      if ('error' in msg) {
        const error = msg.error as { code?: unknown; message?: unknown; data?: unknown } | undefined;
        const why = `Paradex refused ${channel}: ${String(error?.code)} ${String(error?.message)}${error?.data !== undefined ? ` (${String(error.data)})` : ''}`;
        return msg.id === SUBSCRIBE_ID ? { kind: 'refused', reason: why } : { kind: 'ignored' };
        // (A refused markets_summary, id 2, only costs the precise rate: funding_data's 8 decimals are used.)
      }
      if (msg.method === 'subscription') return fromDecoded(decodeParadexFundingFrame(text, market));
      return { kind: 'ignored' };
    },
  };
}

/** Vest `tickers`: the symbol's entry of each push; the client PINGs (venues.md §2.2). */
export function vestFundingChannel(symbol: string, pingEveryMs = 30_000): FundingChannel {
  let pingId = SUBSCRIBE_ID;
  return {
    subscribe: () => [vestRequest('SUBSCRIBE', ['tickers'], SUBSCRIBE_ID)],
    read(frame, isBinary, receivedAt) {
      if (isBinary) return { kind: 'malformed', reason: 'vest: unexpected binary frame' };
      const text = utf8.decode(frame);
      const msg = parseJson(text);
      if (msg === undefined) return { kind: 'malformed', reason: 'vest tickers frame: not a JSON object' };
      if ('error' in msg) return msg.id === SUBSCRIBE_ID ? { kind: 'refused', reason: `Vest refused tickers: ${JSON.stringify(msg.error)}` } : { kind: 'ignored' };
      if (msg.channel === 'tickers') return fromDecoded(decodeVestTickersFrame(text, symbol, receivedAt));
      return { kind: 'ignored' };
    },
    keepAlive: { everyMs: pingEveryMs, frame: () => vestRequest('PING', [], ++pingId) },
  };
}

/**
 * A funding channel over a reconnecting socket. Cold: each subscriber opens its own socket, and
 * unsubscribing closes it and every timer.
 */
export function fundingOverSocket(url: string, channel: FundingChannel, opts: Omit<FundingWsOptions, 'wsUrl' | 'symbol'> = {}): Observable<FundingSnapshot> {
  const stats = opts.stats ?? newFundingWsStats();
  const now = opts.now ?? Date.now;
  return new Observable<FundingSnapshot>((subscriber) => {
    let keepAlive: NodeJS.Timeout | undefined;
    const socket = openReconnectingSocket({
      url,
      idleTimeoutMs: opts.idleTimeoutMs ?? 70_000,
      ...(opts.reconnect ? { reconnect: opts.reconnect } : {}),
      ...(opts.createSocket ? { createSocket: opts.createSocket } : {}),
      onOpen: () => {
        for (const frame of channel.subscribe()) socket.send(frame);
      },
      onFrame: (frame, isBinary) => {
        stats.frames++;
        const r = channel.read(frame, isBinary, now());
        switch (r.kind) {
          case 'snapshot':
            stats.updates++;
            socket.markHealthy();
            opts.onSnapshot?.(r.snapshot, frame, isBinary, r.rateFrame);
            subscriber.next(r.snapshot);
            return;
          case 'refused':
            opts.logger?.warn('the venue refused the funding channel', { url: redactQuery(url), reason: r.reason });
            subscriber.error(new FundingChannelRefused(r.reason));
            return;
          case 'malformed':
            stats.decodeErrors++;
            stats.lastDropReason = r.reason;
            return;
          case 'ignored':
            return;
        }
      },
      onDown: () => {
        stats.reconnects++;
      },
    });
    const ka = channel.keepAlive;
    if (ka) {
      keepAlive = setInterval(() => socket.send(ka.frame()), ka.everyMs);
      keepAlive.unref();
    }
    return () => {
      if (keepAlive) clearInterval(keepAlive);
      socket.close();
    };
  });
}

/** Query strings may carry listen keys on private sockets: never logged. */
const redactQuery = (url: string): string => url.split('?')[0]!;

/** Paradex `funding_data.{market}`; SBE by default (public channels are SBE-only since 2026-09-21). */
export function paradexFunding$(opts: FundingWsOptions & { readonly encoding?: ParadexEncoding }): Observable<FundingSnapshot> {
  const encoding = opts.encoding ?? 'sbe';
  return fundingOverSocket(paradexWsUrl(opts.wsUrl, encoding), paradexFundingChannel(opts.symbol, encoding === 'sbe'), opts);
}

/** Vest `tickers` (the URL carries `version=1.0` and the account group's `xwebsocketserver`). */
export function vestFunding$(opts: FundingWsOptions): Observable<FundingSnapshot> {
  return fundingOverSocket(opts.wsUrl, vestFundingChannel(opts.symbol), opts);
}
