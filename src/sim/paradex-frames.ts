/**
 * Frames the simulated Paradex WebSocket sends (venues.md §1.2–1.6): JSON-RPC replies and
 * subscription pushes, or, on an SBE session, the binary BookEvent / BboEvent / FundingDataEvent /
 * HeartbeatEvent.
 * Pure: values in, one frame out; what to send when lives in paradex-feed.ts, sockets in
 * paradex-server.ts.
 */
import type { Level } from '../domain/order-book';
import { encodeSbeBbo, encodeSbeBook, encodeSbeHeartbeat } from '../venues/paradex/sbe';
import { encodeSbeFundingData, type SbeFundingDataInput } from './paradex-funding-sbe';
import { decimalsOfStep, plainDecimal, type BookLevels, type LevelChange } from './market-model';
import type { SimMarketSpec } from './types';

/** Text for a JSON session, bytes for an SBE one. */
export type Frame = string | Uint8Array;

export type FrameEncoding = 'json' | 'sbe';

export interface RpcError {
  readonly code: number;
  readonly message: string;
  readonly data?: string;
}

/** What the server answers an invalid subscribe with (the real venue's code and message). */
export const channelError = (data: string): RpcError => ({ code: -32600, message: 'invalid subscribe request', data });

/** Paradex stamps replies with its receive/send times in µs; the sim takes 120 µs to answer. */
function rpcEnvelope(nowMs: number, id: unknown): { usIn: number; usOut: number; usDiff: number; id: unknown } {
  const usIn = nowMs * 1000;
  return { usIn, usOut: usIn + 120, usDiff: 120, id: id ?? null };
}

/** `{"jsonrpc":"2.0","result":…,"usIn":…,"id":…}`: JSON on SBE sessions too (only pushes are binary). */
export function rpcResultFrame(id: unknown, result: unknown, nowMs: number): string {
  const { usIn, usOut, usDiff, id: replyId } = rpcEnvelope(nowMs, id);
  return JSON.stringify({ jsonrpc: '2.0', result, usIn, usOut, usDiff, id: replyId });
}

export function rpcErrorFrame(id: unknown, error: RpcError, nowMs: number): string {
  const { usIn, usOut, usDiff, id: replyId } = rpcEnvelope(nowMs, id);
  return JSON.stringify({ jsonrpc: '2.0', error, usIn, usOut, usDiff, id: replyId });
}

function subscriptionFrame(channel: string, data: unknown): string {
  return JSON.stringify({ jsonrpc: '2.0', method: 'subscription', params: { channel, data } });
}

export interface BookFrameInput {
  readonly encoding: FrameEncoding;
  readonly channel: string;
  readonly spec: SimMarketSpec;
  readonly seq: number;
  /** Exchange time of the update, ms since epoch. */
  readonly ts: number;
  readonly kind: 'snapshot' | 'delta';
  /** Levels of a snapshot, or changes of a delta (a `kind` of insert/update/delete; size 0 on delete). */
  readonly bids: readonly (Level | LevelChange)[];
  readonly asks: readonly (Level | LevelChange)[];
  /** The book after this update: its best levels travel as best_bid_api / best_ask_api. */
  readonly top: BookLevels;
}

/** An order_book push: `update_type` 's' or 'd' with inserts/updates/deletes, or an SBE BookEvent. */
export function bookFrame(input: BookFrameInput): Frame {
  const { spec, seq, ts, kind, bids, asks, top } = input;
  const bestBid = top.bids[0];
  const bestAsk = top.asks[0];
  if (input.encoding === 'sbe') {
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
  const changes: Record<'insert' | 'update' | 'delete', WireLevel[]> = { insert: [], update: [], delete: [] };
  for (const [levels, side] of [
    [bids, 'BUY'],
    [asks, 'SELL'],
  ] as const) {
    for (const l of levels) changes['kind' in l ? l.kind : 'insert'].push(fmt(side, l));
  }
  const data: Record<string, unknown> = {
    seq_no: seq,
    market: spec.paradex.symbol,
    last_updated_at: ts,
    update_type: kind === 'snapshot' ? 's' : 'd',
    inserts: changes.insert,
    updates: changes.update,
    deletes: changes.delete,
  };
  if (bestBid) data.best_bid_api = fmt('BUY', bestBid);
  if (bestAsk) data.best_ask_api = fmt('SELL', bestAsk);
  return subscriptionFrame(input.channel, data);
}

export interface BboFrameInput {
  readonly encoding: FrameEncoding;
  readonly channel: string;
  readonly spec: SimMarketSpec;
  readonly seq: number;
  /** ms since epoch. */
  readonly ts: number;
  readonly book: BookLevels;
}

/** A bbo push: best bid and ask with their sizes (null when a side is empty), or an SBE BboEvent. */
export function bboFrame(input: BboFrameInput): Frame {
  const { spec, seq, ts } = input;
  const bid = input.book.bids[0];
  const ask = input.book.asks[0];
  if (input.encoding === 'sbe') {
    return encodeSbeBbo({ market: spec.paradex.symbol, seq, ts: ts * 1000, ...(bid ? { bid } : {}), ...(ask ? { ask } : {}) });
  }
  const pd = decimalsOfStep(spec.paradex.priceTick);
  const sd = decimalsOfStep(spec.paradex.sizeIncrement);
  return subscriptionFrame(input.channel, {
    market: spec.paradex.symbol,
    seq_no: seq,
    bid: bid ? plainDecimal(bid.price, pd) : null,
    bid_size: bid ? plainDecimal(bid.size, sd) : null,
    ask: ask ? plainDecimal(ask.price, pd) : null,
    ask_size: ask ? plainDecimal(ask.size, sd) : null,
    last_updated_at: ts,
  });
}

/** The SBE HeartbeatEvent an idle SBE session receives. */
export function heartbeatFrame(nowMs: number, seq: number): Uint8Array {
  return encodeSbeHeartbeat(nowMs * 1000, seq);
}

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

/** A level without its change kind (the SBE encoder takes plain levels). */
function plainLevel(l: Level): Level {
  return { price: l.price, size: l.size };
}

export interface FundingDataFrameInput {
  readonly encoding: FrameEncoding;
  readonly channel: string;
  /** The REST row (FundingDataResult): what a JSON session receives as `data`. */
  readonly row: Record<string, unknown>;
  /** The same row as numbers, for the SBE FundingDataEvent. */
  readonly event: Omit<SbeFundingDataInput, 'seq' | 'ts' | 'createdAt'>;
  readonly seq: number;
  /** ms since epoch. */
  readonly ts: number;
}

/** A `funding_data.{market}` push: the REST row's fields on a JSON session, a FundingDataEvent (template 5) on an SBE one. */
export function fundingDataFrame(input: FundingDataFrameInput): Frame {
  if (input.encoding === 'sbe') return encodeSbeFundingData({ ...input.event, seq: input.seq, ts: input.ts * 1000, createdAt: input.ts * 1000 });
  return subscriptionFrame(input.channel, input.row);
}
