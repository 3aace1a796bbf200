/**
 * Bench inputs: wire frames the simulated market generates from a fixed seed, produced with the
 * venues' own encoders, so every section measures the same data a client would receive.
 */
import { Ladder, type Level, type OrderBook } from '../src/domain/order-book';
import { MarketModel } from '../src/sim/market-model';
import { simMarket } from '../src/sim/types';
import { encodeParadexBookPush } from '../src/venues/paradex/json-codec';
import { encodeSbeBook } from '../src/venues/paradex/sbe';
import { encodeVestDepth } from '../src/venues/vest/codec';

export const BENCH_SEED = 42;
export const BENCH_BASE = 'BTC';
/** Paradex snapshot channel depth: 15 bids + 15 asks per frame. */
export const PARADEX_DEPTH = 15;
/** Vest depth channel: top 20 per side. */
export const VEST_DEPTH = 20;

export interface BenchFrames {
  /** Paradex book frames, SBE (schema 1). Frame i and jsonFrames[i] carry the same book. */
  readonly sbe: readonly Uint8Array[];
  /** The same frames as JSON `subscription` pushes. */
  readonly json: readonly string[];
  /** Vest depth pushes of the same model steps. */
  readonly vest: readonly string[];
  /** Levels per side in the Paradex frames (the delta kind varies). */
  readonly levelsPerSide: number;
}

const spec = simMarket(BENCH_BASE)!;

function top(levels: readonly Level[], n: number): Level[] {
  return levels.slice(0, n);
}

/**
 * `count` consecutive model steps as Paradex 15+15 snapshot frames (the `snapshot@15` channel:
 * every frame a full top-15 book), SBE and JSON, plus the Vest top-20 depth frame of each step.
 */
export function snapshotFrames(count: number, seed = BENCH_SEED): BenchFrames {
  const model = new MarketModel(seed, [BENCH_BASE]);
  const sbe: Uint8Array[] = [];
  const json: string[] = [];
  const vest: string[] = [];
  const market = spec.paradex.symbol;
  const channel = `order_book.${market}.snapshot@15@100ms`;
  let ts = 1_767_225_600_000; // 2026-01-01, ms
  for (let i = 0; i < count; i++) {
    model.step();
    ts += 100;
    const p = model.paradexBook(BENCH_BASE);
    const bids = top(p.bids, PARADEX_DEPTH);
    const asks = top(p.asks, PARADEX_DEPTH);
    const seq = 1_000 + i;
    sbe.push(encodeSbeBook({ market, seq, ts: ts * 1000, kind: 'snapshot', bids, asks }));
    json.push(encodeParadexBookPush({ channel, market, seq, ts, kind: 'snapshot', bids, asks }));
    const v = model.vestBook(BENCH_BASE);
    vest.push(encodeVestDepth(spec.vest.symbol, top(v.bids, VEST_DEPTH), top(v.asks, VEST_DEPTH)));
  }
  return { sbe, json, vest, levelsPerSide: PARADEX_DEPTH };
}

/**
 * A snapshot of the whole Paradex book then `count` delta frames (the `deltas` channel), SBE,
 * each delta the exact difference between consecutive model books.
 */
export function deltaFrames(count: number, seed = BENCH_SEED): Uint8Array[] {
  const model = new MarketModel(seed, [BENCH_BASE]);
  const market = spec.paradex.symbol;
  const out: Uint8Array[] = [];
  let prev = model.paradexBook(BENCH_BASE);
  let seq = 1_000;
  out.push(encodeSbeBook({ market, seq, ts: 1, kind: 'snapshot', bids: prev.bids, asks: prev.asks }));
  while (out.length <= count) {
    model.step();
    const next = model.paradexBook(BENCH_BASE);
    const bids = sideDiff(prev.bids, next.bids);
    const asks = sideDiff(prev.asks, next.asks);
    prev = next;
    if (bids.length === 0 && asks.length === 0) continue;
    seq++;
    out.push(encodeSbeBook({ market, seq, ts: seq, kind: 'delta', bids, asks }));
  }
  return out;
}

function sideDiff(prev: readonly Level[], next: readonly Level[]): Level[] {
  const before = new Map(prev.map((l) => [l.price, l.size]));
  const after = new Set(next.map((l) => l.price));
  const out: Level[] = [];
  for (const l of next) if (before.get(l.price) !== l.size) out.push(l);
  for (const l of prev) if (!after.has(l.price)) out.push({ price: l.price, size: 0 });
  return out;
}

/**
 * Decoded books of `count` model steps, A = Vest (top 20) and B = Paradex (top 15), as the
 * feed clients emit them: the input of the pipeline section.
 */
export function decodedBookPairs(count: number, seed = BENCH_SEED): { a: OrderBook[]; b: OrderBook[] } {
  const model = new MarketModel(seed, [BENCH_BASE]);
  const a: OrderBook[] = [];
  const b: OrderBook[] = [];
  const ladder = new Ladder();
  for (let i = 0; i < count; i++) {
    model.step();
    const receivedAt = i;
    const v = model.vestBook(BENCH_BASE);
    a.push({ bids: top(v.bids, VEST_DEPTH), asks: top(v.asks, VEST_DEPTH), receivedAt });
    const p = model.paradexBook(BENCH_BASE);
    ladder.clear();
    for (const l of top(p.bids, PARADEX_DEPTH)) ladder.set('bid', l.price, l.size);
    for (const l of top(p.asks, PARADEX_DEPTH)) ladder.set('ask', l.price, l.size);
    b.push(ladder.snapshot({ receivedAt, seq: 1_000 + i }));
  }
  return { a, b };
}
