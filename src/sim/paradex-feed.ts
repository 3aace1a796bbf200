/**
 * The simulated Paradex's market-data channels (venues.md §1.3–1.6): which channel names a session
 * may subscribe to, and what each subscription sends on an update round (snapshots at their refresh
 * rate, deltas against the last book sent, bbo when it changed), with the sequence faults applied.
 * No sockets here: paradex-server.ts sends what these functions return.
 */
import { diffBooks, isEmptyDiff, type BookLevels, type SimBookSource } from './market-model';
import { bboFrame, bookFrame, channelError, fundingDataFrame, type Frame, type FrameEncoding, type RpcError } from './paradex-frames';
import { SIM_PARADEX_FUNDING_PERIOD_HOURS, marketSummaryFrame, paradexFundingEvent, paradexFundingRow } from './paradex-funding';
import { simMarket, type SimMarketSpec } from './types';

/** Levels in a snapshot@15 frame (and on the JSON-only `deltas@15@…` channel). */
export const SNAPSHOT_DEPTH = 15;

export interface SnapshotSub {
  readonly kind: 'snapshot';
  readonly base: string;
  readonly spec: SimMarketSpec;
  /** Push every n-th round (refresh rate slower than the model update). */
  readonly everyRounds: number;
  rounds: number;
}

export interface DeltasSub {
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

export interface BboSub {
  readonly kind: 'bbo';
  readonly base: string;
  readonly spec: SimMarketSpec;
  lastKey: string | undefined;
}

/** `funding_data.{market}`: the current funding row, pushed when the index or rate changed. */
export interface FundingSub {
  readonly kind: 'funding';
  readonly base: string;
  readonly spec: SimMarketSpec;
  lastKey: string | undefined;
  /** The subscription's own event sequence (FundingDataEvent.seq), +1 per push. */
  seq: number;
}

/** `markets_summary.{market}`: the market's ticker (mark, index, best prices, funding rate), pushed when it changed. */
export interface SummarySub {
  readonly kind: 'summary';
  readonly base: string;
  readonly spec: SimMarketSpec;
  lastKey: string | undefined;
  seq: number;
}

export type Subscription = SnapshotSub | DeltasSub | BboSub | FundingSub | SummarySub;

/** The sequence faults of one round (FaultState.takeSeqFaults). */
export interface SeqFaults {
  readonly skip: boolean;
  readonly duplicate: boolean;
  readonly reorder: 'hold' | 'release' | undefined;
}

/** A frame to send; `late` ones (a held delta released) are never corrupted by the malformed knob. */
export interface FeedFrame {
  readonly frame: Frame;
  readonly late: boolean;
}

/** The spec of a Paradex symbol this sim serves, else undefined. */
export function servedParadexSpec(source: SimBookSource, symbol: string): SimMarketSpec | undefined {
  const base = symbol.endsWith('-USD-PERP') ? symbol.slice(0, -'-USD-PERP'.length) : undefined;
  return base !== undefined && source.bases.includes(base) ? simMarket(base) : undefined;
}

export interface ChannelContext {
  readonly encoding: FrameEncoding;
  /** The session's current subscriptions (an SBE session takes one order_book channel per market). */
  readonly subs: Iterable<Subscription>;
  readonly source: SimBookSource;
  /** Model update period, ms (0 = manual steps). */
  readonly updateIntervalMs: number;
}

/** A new subscription for `channel`, or the JSON-RPC error the venue answers. */
export function parseChannel(channel: string, ctx: ChannelContext): Subscription | RpcError {
  const bbo = /^bbo\.([^.]+)$/.exec(channel);
  if (bbo) {
    const spec = servedParadexSpec(ctx.source, bbo[1]!);
    return spec ? { kind: 'bbo', base: spec.base, spec, lastKey: undefined } : channelError('invalid channel');
  }
  const funding = /^funding_data\.([^.]+)$/.exec(channel);
  if (funding) {
    const spec = servedParadexSpec(ctx.source, funding[1]!);
    if (!spec || !ctx.source.funding) return channelError('invalid channel');
    return { kind: 'funding', base: spec.base, spec, lastKey: undefined, seq: 0 };
  }
  const summary = /^markets_summary\.([^.]+)$/.exec(channel);
  if (summary) {
    const spec = servedParadexSpec(ctx.source, summary[1]!);
    if (!spec || !ctx.source.funding) return channelError('invalid channel');
    return { kind: 'summary', base: spec.base, spec, lastKey: undefined, seq: 0 };
  }
  const ob = /^order_book\.([^.]+)\.(snapshot|deltas)(?:@(.*))?$/.exec(channel);
  const spec = ob ? servedParadexSpec(ctx.source, ob[1]!) : undefined;
  if (!ob || !spec) return channelError('invalid channel');
  const sbe = ctx.encoding === 'sbe';
  if (sbe) {
    for (const other of ctx.subs) {
      if (other.kind !== 'bbo' && other.base === spec.base) {
        return channelError(`order_book channels of ${spec.paradex.symbol} cannot share an SBE session`);
      }
    }
  }
  const params = ob[3];
  if (ob[2] === 'deltas') {
    if (params === undefined) return deltasSub(spec, Number.POSITIVE_INFINITY);
    if (sbe) return channelError('no parameters expected for deltas topic.');
    return /^15@(50|100)ms$/.test(params) ? deltasSub(spec, SNAPSHOT_DEPTH) : channelError('invalid channel');
  }
  const rates = sbe ? ['50', '100', '200', '400'] : ['50', '100'];
  const snap = /^15@(\d+)ms$/.exec(params ?? '');
  if (!snap || !rates.includes(snap[1]!)) return channelError('invalid channel');
  const refreshMs = Number(snap[1]);
  const everyRounds = ctx.updateIntervalMs > 0 ? Math.max(1, Math.round(refreshMs / ctx.updateIntervalMs)) : 1;
  return { kind: 'snapshot', base: spec.base, spec, everyRounds, rounds: 0 };
}

function deltasSub(spec: SimMarketSpec, depth: number): DeltasSub {
  return { kind: 'deltas', base: spec.base, spec, depth, lastBook: undefined, lastSeq: 0, held: undefined };
}

export interface RoundContext {
  readonly encoding: FrameEncoding;
  readonly channel: string;
  readonly source: SimBookSource;
  /** Undefined on the push right after a subscribe's ack (no faults, snapshots not throttled). */
  readonly seqFaults: SeqFaults | undefined;
}

/** What `sub` sends this round, in order (often nothing: a throttled snapshot, an unchanged book). */
export function roundFrames(sub: Subscription, ctx: RoundContext): FeedFrame[] {
  switch (sub.kind) {
    case 'snapshot':
      return snapshotFrames(sub, ctx);
    case 'bbo':
      return bboFrames(sub, ctx);
    case 'deltas':
      return deltaFrames(sub, ctx);
    case 'funding':
      return fundingFrames(sub, ctx);
    case 'summary':
      return summaryFrames(sub, ctx);
  }
}

function summaryFrames(sub: SummarySub, ctx: RoundContext): FeedFrame[] {
  const state = ctx.source.funding?.('paradex', sub.base);
  const book = ctx.source.paradexBook(sub.base);
  const bid = book.bids[0]?.price;
  const ask = book.asks[0]?.price;
  if (!state || bid === undefined || ask === undefined) return [];
  const fundingRate = state.ratePerHour * SIM_PARADEX_FUNDING_PERIOD_HOURS;
  const key = `${fundingRate}/${bid}/${ask}`;
  if (key === sub.lastKey) return [];
  sub.lastKey = key;
  // The sim's mark, index and last price are the mid of its book.
  const mid = (bid + ask) / 2;
  const input = { market: sub.spec.paradex.symbol, seq: ++sub.seq, ts: ctx.source.updatedAt(), mark: mid, fundingRate, bid, ask };
  return [{ frame: marketSummaryFrame({ encoding: ctx.encoding, channel: ctx.channel, ...input }), late: false }];
}

function fundingFrames(sub: FundingSub, ctx: RoundContext): FeedFrame[] {
  const state = ctx.source.funding?.('paradex', sub.base);
  if (!state) return [];
  const ts = ctx.source.updatedAt();
  const market = sub.spec.paradex.symbol;
  const row = paradexFundingRow(market, state, ts);
  const key = `${String(row.funding_index)}/${String(row.funding_rate)}`;
  if (key === sub.lastKey) return [];
  sub.lastKey = key;
  const event = paradexFundingEvent(market, state);
  return [{ frame: fundingDataFrame({ encoding: ctx.encoding, channel: ctx.channel, row, event, seq: ++sub.seq, ts }), late: false }];
}

const topOf = (book: BookLevels, depth: number): BookLevels =>
  depth >= Math.max(book.bids.length, book.asks.length) ? book : { bids: book.bids.slice(0, depth), asks: book.asks.slice(0, depth) };

function fullBookFrame(sub: Subscription, ctx: RoundContext, book: BookLevels, seq: number): Frame {
  const ts = ctx.source.updatedAt();
  return bookFrame({ encoding: ctx.encoding, channel: ctx.channel, spec: sub.spec, seq, ts, kind: 'snapshot', bids: book.bids, asks: book.asks, top: book });
}

function snapshotFrames(sub: SnapshotSub, ctx: RoundContext): FeedFrame[] {
  if (ctx.seqFaults && sub.rounds++ % sub.everyRounds !== 0) return [];
  const book = topOf(ctx.source.paradexBook(sub.base), SNAPSHOT_DEPTH);
  return [{ frame: fullBookFrame(sub, ctx, book, ctx.source.paradexSeq(sub.base)), late: false }];
}

function bboFrames(sub: BboSub, ctx: RoundContext): FeedFrame[] {
  const book = ctx.source.paradexBook(sub.base);
  const bid = book.bids[0];
  const ask = book.asks[0];
  const key = `${bid?.price}/${bid?.size}/${ask?.price}/${ask?.size}`;
  if (key === sub.lastKey) return [];
  sub.lastKey = key;
  const seq = ctx.source.paradexSeq(sub.base);
  return [{ frame: bboFrame({ encoding: ctx.encoding, channel: ctx.channel, spec: sub.spec, seq, ts: ctx.source.updatedAt(), book }), late: false }];
}

/** The first push is the book; later ones the diff from the last book sent, with skip/duplicate/reorder faults. */
function deltaFrames(sub: DeltasSub, ctx: RoundContext): FeedFrame[] {
  const book = topOf(ctx.source.paradexBook(sub.base), sub.depth);
  if (!sub.lastBook) {
    sub.lastBook = book;
    sub.lastSeq = ctx.source.paradexSeq(sub.base);
    return [{ frame: fullBookFrame(sub, ctx, book, sub.lastSeq), late: false }];
  }
  const diff = diffBooks(sub.lastBook, book);
  if (isEmptyDiff(diff)) return [];
  const f = ctx.seqFaults ?? { skip: false, duplicate: false, reorder: undefined };
  const seq = sub.lastSeq + (f.skip ? 2 : 1);
  const ts = ctx.source.updatedAt();
  const frame = bookFrame({ encoding: ctx.encoding, channel: ctx.channel, spec: sub.spec, seq, ts, kind: 'delta', bids: diff.bids, asks: diff.asks, top: book });
  sub.lastBook = book;
  sub.lastSeq = seq;
  if (f.reorder === 'hold' && sub.held === undefined) {
    sub.held = frame;
    return [];
  }
  const out: FeedFrame[] = [{ frame, late: false }];
  if (f.duplicate) out.push({ frame, late: false });
  if (sub.held !== undefined) {
    out.push({ frame: sub.held, late: true });
    sub.held = undefined;
  }
  return out;
}
