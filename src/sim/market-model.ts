/**
 * The simulated market: per base asset, one shared random-walk price with a mean-reverting
 * (Ornstein-Uhlenbeck) basis between the two venues, and a realistic book on each venue.
 *
 * Pure and seeded: no clock, no I/O. The same seed and the same calls give the same books.
 * Prices and sizes are held as integers (ticks, size increments) so books are exact on the wire.
 *
 * What makes it a market that can lose (README, "Simulated market"): the basis jumps at random times, its mean
 * drifts for minutes (against an open position as often as for it), Vest's quotes flicker around the basis
 * (a spread seen on one update may be gone at the next, when the order arrives), and at times both venues'
 * books thin out. Each of these has its own key; 0 turns it off. They draw from their own seeded stream, so a
 * seed's shared price path is the same with or without them.
 *
 * Calibration (test/sim/market-model.test.ts): with the defaults the gross entry spread
 * rises above ~0.17 % (the bot's 0.06 % net entry threshold plus 0.11 % round-trip fees)
 * every few to tens of seconds, and the exit spread of such a position returns above −0.02 %
 * within seconds.
 */
import type { Level } from '../domain/order-book';
import { createRng, deriveSeed, type Rng } from './rng';
import { simMarket, type SimMarketSpec } from './types';
import type { SimFundingHour, SimFundingState } from './funding-model';

// Bound once: a global `Math.` lookup per call is slow inside jest's vm sandbox (≈20×).
const { exp, sqrt, floor, ceil, round, max, abs } = Math;

export interface MarketModelOptions {
  /** Model time one step advances, ms. */
  stepMs: number;
  /** Volatility of the shared mid, percent per √second (BTC ~50 %/yr ≈ 0.009 %/√s). */
  volatilityPct: number;
  /** Long-run mean of the basis (Vest mid over Paradex mid), percent. */
  basisMeanPct: number;
  /** Stationary standard deviation of the basis, percent. */
  basisStdPct: number;
  /** Mean-reversion time constant of the basis, seconds. */
  basisTauSec: number;
  /** Paradex best bid/ask distance from its mid, percent (at least one tick). */
  paradexHalfSpreadPct: number;
  /** Paradex levels kept per side (the deltas channel serves all of them). */
  paradexLevels: number;
  /** Spacing of the deeper Paradex levels, percent of mid (rounded to whole ticks, ≥ 1). */
  paradexLevelSpacingPct: number;
  /** Typical notional of the top Paradex level, USD; deeper levels grow. */
  paradexTopNotionalUsd: number;
  /** Paradex levels per side whose size is redrawn each step (order churn). */
  paradexChurnLevels: number;
  /** Vest AMM quote distance from its mid at the top, percent. */
  vestHalfSpreadPct: number;
  /** Vest levels per side (the depth channel serves the top 20). */
  vestLevels: number;
  /** Vest AMM price step between levels, percent of mid. */
  vestLevelSpacingPct: number;
  /** Typical notional of the top Vest level, USD; deeper levels grow. */
  vestTopNotionalUsd: number;
  /** Basis jumps per minute on average (Poisson); each then decays like any deviation. 0 = none. */
  basisJumpsPerMin: number;
  /** Standard deviation of one basis jump, percent. */
  basisJumpStdPct: number;
  /** Stationary standard deviation of the basis mean's slow drift, percent (0 = a fixed mean). */
  basisDriftStdPct: number;
  /** Mean-reversion time of that drift, seconds. */
  basisDriftTauSec: number;
  /** Transient noise of the Vest quotes around the basis, redrawn every update, percent (0 = none). */
  vestQuoteNoisePct: number;
  /** Thin-book spells per minute on average (Poisson). 0 = none. */
  thinBooksPerMin: number;
  /** Length of a thin-book spell, seconds. */
  thinBookSec: number;
  /** Depth during a spell, as a fraction of normal (new and redrawn levels on Paradex, every level on Vest). */
  thinBookDepthFactor: number;
  /**
   * USD per USDC in the simulated world: Paradex quotes USD, Vest USDC, so Vest's prices are the USD ones (with the
   * basis) divided by this. 1 = at par. A bot run whose `market.usdc_usd` matches sees no spread from it.
   */
  usdcUsd: number;
}

export const DEFAULT_MARKET_MODEL: MarketModelOptions = {
  stepMs: 100,
  volatilityPct: 0.01,
  basisMeanPct: 0,
  basisStdPct: 0.12,
  basisTauSec: 4,
  paradexHalfSpreadPct: 0.002,
  paradexLevels: 40,
  paradexLevelSpacingPct: 0.002,
  paradexTopNotionalUsd: 20_000,
  paradexChurnLevels: 3,
  vestHalfSpreadPct: 0.004,
  vestLevels: 40,
  vestLevelSpacingPct: 0.003,
  vestTopNotionalUsd: 30_000,
  basisJumpsPerMin: 2,
  basisJumpStdPct: 0.12,
  basisDriftStdPct: 0.03,
  basisDriftTauSec: 120,
  vestQuoteNoisePct: 0.02,
  thinBooksPerMin: 1,
  thinBookSec: 6,
  thinBookDepthFactor: 0.2,
  usdcUsd: 1,
};

/** A book as two sorted level lists: bids highest first, asks lowest first. */
export interface BookLevels {
  readonly bids: readonly Level[];
  readonly asks: readonly Level[];
}

export interface LevelChange extends Level {
  /** 'delete' changes carry size 0. */
  readonly kind: 'insert' | 'update' | 'delete';
}

export interface BookDiff {
  readonly bids: readonly LevelChange[];
  readonly asks: readonly LevelChange[];
}

/**
 * Exact difference between two books: new levels, changed sizes, and removed levels with size 0,
 * so `prev` with the changes applied equals `next`. Each side is in its book order.
 */
export function diffBooks(prev: BookLevels, next: BookLevels): BookDiff {
  return { bids: diffSide(prev.bids, next.bids, (a, b) => b - a), asks: diffSide(prev.asks, next.asks, (a, b) => a - b) };
}

function diffSide(prev: readonly Level[], next: readonly Level[], order: (a: number, b: number) => number): LevelChange[] {
  const before = new Map<number, number>();
  for (const l of prev) before.set(l.price, l.size);
  const after = new Set<number>();
  const out: LevelChange[] = [];
  for (const l of next) {
    after.add(l.price);
    const old = before.get(l.price);
    if (old === undefined) out.push({ price: l.price, size: l.size, kind: 'insert' });
    else if (old !== l.size) out.push({ price: l.price, size: l.size, kind: 'update' });
  }
  for (const l of prev) if (!after.has(l.price)) out.push({ price: l.price, size: 0, kind: 'delete' });
  return out.sort((x, y) => order(x.price, y.price));
}

export function isEmptyDiff(d: BookDiff): boolean {
  return d.bids.length === 0 && d.asks.length === 0;
}

/** Decimal places of a step such as 0.00001 (float-safe for the steps venues use). */
export function decimalsOfStep(step: number): number {
  for (let d = 0; d <= 12; d++) if (abs(round(step * 10 ** d) - step * 10 ** d) < 1e-9) return d;
  return 12;
}

/**
 * Units of `step` (integer) to the number nearest the exact decimal, i.e. what parsing the wire
 * string gives: an integer over a power of ten is one correctly rounded division.
 */
function unitsToNumber(units: number, step: number, decimals: number): number {
  const scale = 10 ** decimals;
  return (units * round(step * scale)) / scale;
}

interface MarketState {
  readonly spec: SimMarketSpec;
  readonly rng: Rng;
  readonly paradexTick: number;
  readonly paradexTickDecimals: number;
  readonly paradexSizeDecimals: number;
  mid: number;
  basisPct: number;
  basisHeld: boolean;
  /** Jumps, drift, quote noise and thin spells: a stream of their own, so the shared path does not depend on them. */
  readonly regimeRng: Rng;
  /** The basis mean's current drift away from basisMeanPct, percent. */
  driftPct: number;
  /** This update's transient Vest quote offset, percent (0 while the basis is held). */
  vestNoisePct: number;
  /** Updates left in the current thin-book spell (0: normal depth). */
  thinStepsLeft: number;
  /** Paradex resting levels: price in ticks -> size in increments. */
  readonly paradexBids: Map<number, number>;
  readonly paradexAsks: Map<number, number>;
  paradexBook: BookLevels;
  vestBook: BookLevels;
}

export class MarketModel {
  readonly options: MarketModelOptions;
  private readonly markets = new Map<string, MarketState>();
  private steps = 0;

  constructor(seed: number, bases: readonly string[], options: Partial<MarketModelOptions> = {}) {
    this.options = { ...DEFAULT_MARKET_MODEL, ...options };
    for (const base of bases) {
      const spec = simMarket(base);
      if (!spec) throw new Error(`unknown sim market ${JSON.stringify(base)}`);
      // One stream per market: adding ETH does not change the BTC path of a seed.
      const rng = createRng(deriveSeed(seed, base));
      const state: MarketState = {
        spec,
        rng,
        paradexTick: spec.paradex.priceTick,
        paradexTickDecimals: decimalsOfStep(spec.paradex.priceTick),
        paradexSizeDecimals: decimalsOfStep(spec.paradex.sizeIncrement),
        mid: spec.refPrice,
        basisPct: this.options.basisMeanPct + this.options.basisStdPct * rng.normal() * 0.5,
        basisHeld: false,
        regimeRng: createRng(deriveSeed(seed, `${base}:regime`)),
        driftPct: 0,
        vestNoisePct: 0,
        thinStepsLeft: 0,
        paradexBids: new Map(),
        paradexAsks: new Map(),
        paradexBook: { bids: [], asks: [] },
        vestBook: { bids: [], asks: [] },
      };
      this.markets.set(base, state);
      this.rebuild(state);
    }
  }

  get bases(): string[] {
    return [...this.markets.keys()];
  }

  /** Steps taken since construction. */
  get stepCount(): number {
    return this.steps;
  }

  /** Advances every market by one step of `options.stepMs`. */
  step(): void {
    this.steps++;
    const dtSec = this.options.stepMs / 1000;
    for (const m of this.markets.values()) {
      const { volatilityPct, basisMeanPct, basisStdPct, basisTauSec } = this.options;
      m.mid *= exp((volatilityPct / 100) * sqrt(dtSec) * m.rng.normal());
      // Exact OU transition over dt, so calibration does not depend on the step size.
      const decay = exp(-dtSec / basisTauSec);
      const noise = basisStdPct * sqrt(1 - decay * decay) * m.rng.normal();
      const shock = this.regimeStep(m, dtSec);
      const mean = basisMeanPct + m.driftPct;
      if (!m.basisHeld) m.basisPct = mean + (m.basisPct - mean) * decay + noise + shock;
      this.rebuild(m);
    }
  }

  /** Moves the regime on by dt: the drift of the basis mean, thin spells, this update's Vest noise; returns a basis jump (or 0). */
  private regimeStep(m: MarketState, dtSec: number): number {
    const o = this.options;
    const r = m.regimeRng;
    const driftDecay = exp(-dtSec / o.basisDriftTauSec);
    m.driftPct = m.driftPct * driftDecay + o.basisDriftStdPct * sqrt(1 - driftDecay * driftDecay) * r.normal();
    if (m.thinStepsLeft > 0) m.thinStepsLeft--;
    else if (r.next() < 1 - exp((-o.thinBooksPerMin / 60) * dtSec)) m.thinStepsLeft = max(1, round((o.thinBookSec * 1000) / o.stepMs));
    // Drawn every update (held basis or not), so the stream stays aligned; a held basis shows none of it.
    const noise = o.vestQuoteNoisePct * r.normal();
    m.vestNoisePct = m.basisHeld ? 0 : noise;
    const jumps = r.next() < 1 - exp((-o.basisJumpsPerMin / 60) * dtSec);
    const jump = o.basisJumpStdPct * r.normal();
    return jumps && !m.basisHeld ? jump : 0;
  }

  /** Depth multiplier now: thinBookDepthFactor during a thin spell, else 1. */
  private depthFactor(m: MarketState): number {
    return m.thinStepsLeft > 0 ? this.options.thinBookDepthFactor : 1;
  }

  /** Whether a thin-book spell is under way in a market. */
  thinBooks(base: string): boolean {
    return this.market(base).thinStepsLeft > 0;
  }

  paradexBook(base: string): BookLevels {
    return this.market(base).paradexBook;
  }

  vestBook(base: string): BookLevels {
    return this.market(base).vestBook;
  }

  /** Shared mid of a market, USD (the Paradex mid; Vest's is this times 1 + basis, in USDC: ÷ usdcUsd). */
  mid(base: string): number {
    return this.market(base).mid;
  }

  /** Vest mid over Paradex mid, percent. */
  basis(base: string): number {
    return this.market(base).basisPct;
  }

  /**
   * Forces the basis and holds it there (the shared mid keeps moving) until `releaseBasis`,
   * so a test can make a spread cross and stay crossed. The books update at once.
   */
  setBasis(base: string, basisPct: number): void {
    const m = this.market(base);
    m.basisPct = basisPct;
    m.basisHeld = true;
    m.vestNoisePct = 0;
    this.rebuild(m);
  }

  /** Lets the basis mean-revert again from its current value. */
  releaseBasis(base: string): void {
    this.market(base).basisHeld = false;
  }

  private market(base: string): MarketState {
    const m = this.markets.get(base);
    if (!m) throw new Error(`market ${JSON.stringify(base)} is not simulated`);
    return m;
  }

  private rebuild(m: MarketState): void {
    // The basis rides on the Vest AMM quotes, which are recomputed each step anyway; Paradex's
    // CLOB follows the slower shared walk, so its deltas stay a few levels per update.
    const paradexMid = m.mid;
    // Vest quotes USDC: its mid in USD, divided by USD per USDC (exactly the USD figure at par).
    const vestMid = (m.mid * (1 + (m.basisPct + m.vestNoisePct) / 100)) / this.options.usdcUsd;
    this.rebuildParadex(m, paradexMid);
    this.rebuildVest(m, vestMid);
  }

  /**
   * A CLOB that persists between steps: levels sit on an absolute price grid, so a small move
   * of the mid changes a few levels (the deltas a client applies), not the whole book.
   */
  private rebuildParadex(m: MarketState, mid: number): void {
    const o = this.options;
    const tick = m.paradexTick;
    const half = max(tick, (mid * o.paradexHalfSpreadPct) / 100);
    const bestBid = floor((mid - half) / tick + 1e-9);
    let bestAsk = ceil((mid + half) / tick - 1e-9);
    if (bestAsk <= bestBid) bestAsk = bestBid + 1;
    const spacing = max(1, round((mid * o.paradexLevelSpacingPct) / 100 / tick));

    const bidTicks = [bestBid];
    for (let g = floor(bestBid / spacing) * spacing; bidTicks.length < o.paradexLevels; g -= spacing) {
      if (g < bestBid && g > 0) bidTicks.push(g);
      if (g <= 0) break;
    }
    const askTicks = [bestAsk];
    for (let g = ceil(bestAsk / spacing) * spacing; askTicks.length < o.paradexLevels; g += spacing) {
      if (g > bestAsk) askTicks.push(g);
    }
    this.refreshSide(m, m.paradexBids, bidTicks, mid);
    this.refreshSide(m, m.paradexAsks, askTicks, mid);

    const toLevels = (ticks: number[], sizes: Map<number, number>): Level[] =>
      ticks.map((t) => ({
        price: unitsToNumber(t, tick, m.paradexTickDecimals),
        size: unitsToNumber(sizes.get(t)!, m.spec.paradex.sizeIncrement, m.paradexSizeDecimals),
      }));
    m.paradexBook = { bids: toLevels(bidTicks, m.paradexBids), asks: toLevels(askTicks, m.paradexAsks) };
  }

  /** Keeps existing sizes on surviving levels, draws sizes for new ones, churns a few, drops the rest. */
  private refreshSide(m: MarketState, side: Map<number, number>, wanted: number[], mid: number): void {
    const keep = new Set(wanted);
    for (const t of [...side.keys()]) if (!keep.has(t)) side.delete(t);
    wanted.forEach((t, i) => {
      if (!side.has(t)) side.set(t, this.paradexSizeUnits(m, i, mid));
    });
    for (let c = 0; c < this.options.paradexChurnLevels && wanted.length > 0; c++) {
      const i = m.rng.int(0, wanted.length - 1);
      side.set(wanted[i]!, this.paradexSizeUnits(m, i, mid));
    }
  }

  /** Sizes grow away from the top, with noise; whole size increments, at least one. */
  private paradexSizeUnits(m: MarketState, levelIndex: number, mid: number): number {
    const base = (this.options.paradexTopNotionalUsd * this.depthFactor(m)) / mid;
    const size = base * (1 + 0.25 * levelIndex) * (0.5 + m.rng.next());
    return max(1, round(size / m.spec.paradex.sizeIncrement));
  }

  /** AMM-like quotes: a price ladder around the Vest mid, recomputed every step. */
  private rebuildVest(m: MarketState, mid: number): void {
    const o = this.options;
    const pd = m.spec.vest.priceDecimals;
    const sd = m.spec.vest.sizeDecimals;
    const pUnit = 10 ** pd;
    const sUnit = 10 ** sd;
    const bids: Level[] = [];
    const asks: Level[] = [];
    let lastBid = Number.POSITIVE_INFINITY;
    let lastAsk = 0;
    for (let i = 0; i < o.vestLevels; i++) {
      const off = (o.vestHalfSpreadPct + i * o.vestLevelSpacingPct) / 100;
      let bidUnits = floor(mid * (1 - off) * pUnit + 1e-9);
      let askUnits = ceil(mid * (1 + off) * pUnit - 1e-9);
      if (bidUnits >= lastBid) bidUnits = lastBid - 1;
      if (askUnits <= lastAsk) askUnits = lastAsk + 1;
      lastBid = bidUnits;
      lastAsk = askUnits;
      const baseSize = ((o.vestTopNotionalUsd * this.depthFactor(m)) / mid) * (1 + 0.5 * i);
      const bidSize = max(1, floor(baseSize * (0.9 + 0.2 * m.rng.next()) * sUnit));
      const askSize = max(1, floor(baseSize * (0.9 + 0.2 * m.rng.next()) * sUnit));
      if (bidUnits > 0) bids.push({ price: bidUnits / pUnit, size: bidSize / sUnit });
      asks.push({ price: askUnits / pUnit, size: askSize / sUnit });
    }
    m.vestBook = { bids, asks };
  }
}

/** What the venue servers read each round: the model's books plus the feed's sequence and clock. */
export interface SimBookSource {
  readonly bases: readonly string[];
  paradexBook(base: string): BookLevels;
  vestBook(base: string): BookLevels;
  /** Paradex book sequence of a market: +1 per model step. */
  paradexSeq(base: string): number;
  /** Time of the last model step, ms since epoch (the sim clock). */
  updatedAt(): number;
  now(): number;
  /** Funding state of a market on a venue (rate per hour, cumulative index); absent when the sim serves none. */
  funding?(venue: 'paradex' | 'vest', base: string): Readonly<SimFundingState> | undefined;
  /** Completed funding hours of a venue's market, oldest first (Vest `GET /funding/history`). */
  fundingHistory?(venue: 'paradex' | 'vest', base: string): readonly SimFundingHour[];
}

/** A wire decimal with at most `decimals` places and no trailing zeros ('95000.1', '0.25', '3'). */
export function plainDecimal(value: number, decimals: number): string {
  const s = value.toFixed(decimals);
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}
