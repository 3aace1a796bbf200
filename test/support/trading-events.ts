/**
 * Event logs as the bot writes them, for report and summary tests: each round trip in the order the stream emits
 * it (signal, orders, fills, TRADE_ENTRY, POSITION_OPENED, samples, TRADE_EXIT, close fills, POSITION_CLOSED), with
 * fees and PnL computed from the fill prices the way the executor computes them. A = Vest, B = Paradex.
 */
import { events, type ExitReason, type TradingEvent } from '../../src/domain/events';
import type { VenueId } from '../../src/domain/market';
import { legsOf, spreadPct, type Direction } from '../../src/domain/spread';

/** Taker fees as fractions: Vest 1 bp, Paradex 4.5 bp (the simulated venues' fees). */
export const TAKER: Record<VenueId, number> = { vest: 0.0001, paradex: 0.00045 };
export const ROUND_TRIP_FEE_PCT = 2 * (TAKER.vest + TAKER.paradex) * 100;

export interface TripSpec {
  pair?: string;
  direction?: Direction;
  size?: number;
  longEntry: number;
  shortEntry: number;
  /** Close fill prices; leave both out for a position still open at the end. */
  longExit?: number;
  shortExit?: number;
  /** Gross entry spread the signal saw (default: the fills' spread, no slippage). */
  detected?: number;
  /** Exit spread the close was decided on (default: the close fills' spread). */
  exitDecided?: number;
  /** Books while held, as the prices a close would get: one SPREAD_MONITORING each, 500 ms apart. */
  marks?: readonly { longExit: number; shortExit: number }[];
  reason?: ExitReason;
  /** Opened by an earlier run: POSITION_OPENED restored, no entry fills in this log. */
  restored?: boolean;
  /** Funding totals while held (+ received): one FUNDING_ACCRUED each, after the marks, 1 s apart (split 1/4 long, 3/4 short). */
  accruedFunding?: readonly number[];
  /** Funding the close realised, USD (POSITION_CLOSED fundingUsd); left out, the close carries none. */
  fundingUsd?: number;
}

export interface FailedEntrySpec {
  pair?: string;
  direction?: Direction;
  size?: number;
  /** The leg that filled (the long one) and the price its unwind sold at. */
  longEntry: number;
  unwindAt: number;
}

const fee = (venue: VenueId, size: number, price: number) => size * price * TAKER[venue];

/** Appends events with increasing times; `log` is the whole log, `add` any other event. */
export class EventScript {
  readonly log: TradingEvent[] = [];
  time: number;
  private ids = 0;

  constructor(start = Date.UTC(2026, 11, 1, 12, 0, 0)) {
    this.time = start;
    this.log.push(events.botStarted(this.time, { mode: 'sim', pairs: ['BTC-PERP'] }));
  }

  private at(stepMs: number): number {
    this.time += stepMs;
    return this.time;
  }

  add(e: TradingEvent): this {
    this.log.push(e);
    return this;
  }

  /** Spread samples with no position (flat market watch). */
  samples(count: number, pair = 'BTC-PERP', spread = (i: number) => 0.05 * Math.sin(i / 5)): this {
    for (let i = 0; i < count; i++) {
      const ab = spread(i);
      this.log.push(events.spreadMonitoring(this.at(500), { pair, entryAOverB: ab, entryBOverA: -ab - 0.02, exitAOverB: -ab - 0.02, exitBOverA: ab }));
    }
    return this;
  }

  trip(spec: TripSpec): this {
    const pair = spec.pair ?? 'BTC-PERP';
    const direction = spec.direction ?? 'AOverB';
    const size = spec.size ?? 0.01;
    const venues: Record<'a' | 'b', VenueId> = { a: 'vest', b: 'paradex' };
    const longVenue = venues[legsOf(direction).long];
    const shortVenue = venues[legsOf(direction).short];
    const entrySpread = spreadPct(spec.shortEntry, spec.longEntry)!;
    const detected = spec.detected ?? entrySpread;
    const other = -detected - 0.05;
    const entryFees = fee(longVenue, size, spec.longEntry) + fee(shortVenue, size, spec.shortEntry);

    if (spec.restored) {
      const t = this.at(100);
      this.log.push(events.positionRestored(t, { pair, direction, size, entrySpread }));
      this.log.push(
        events.positionOpened(t, {
          pair,
          direction,
          entrySpread,
          size,
          restored: true,
          longVenue,
          shortVenue,
          longEntryPrice: spec.longEntry,
          shortEntryPrice: spec.shortEntry,
          openedAt: t - 3_600_000,
        }),
      );
    } else {
      const tick = this.at(100);
      const spreads = direction === 'AOverB' ? { entryAOverB: detected, entryBOverA: other } : { entryAOverB: other, entryBOverA: detected };
      this.log.push(
        events.spreadDetected(tick, { pair, direction, entrySpread: detected, netSpread: detected - ROUND_TRIP_FEE_PCT, threshold: 0.06, tick: { time: tick, ...spreads } }),
      );
      this.fills(pair, [
        [longVenue, 'BUY', spec.longEntry, false],
        [shortVenue, 'SELL', spec.shortEntry, false],
      ], size);
      const t = this.at(5);
      this.log.push(
        events.tradeEntry(t, {
          pair,
          direction,
          entrySpread,
          spreadThreshold: 0.06,
          longVenue,
          shortVenue,
          size,
          longFillPrice: spec.longEntry,
          shortFillPrice: spec.shortEntry,
          feesUsd: entryFees,
          latencyMs: t - tick,
        }),
        events.slippageAnalysis(t, { pair, direction, detectionSpread: detected, executionSpread: entrySpread, slippageBps: (detected - entrySpread) * 100 }),
        events.positionOpened(this.at(1), {
          pair,
          direction,
          entrySpread,
          size,
          restored: false,
          longVenue,
          shortVenue,
          longEntryPrice: spec.longEntry,
          shortEntryPrice: spec.shortEntry,
          openedAt: this.time,
        }),
      );
    }

    for (const m of spec.marks ?? []) {
      const grossUsd = size * (m.longExit - spec.longEntry) + size * (spec.shortEntry - m.shortExit);
      const exitFeesUsd = fee(longVenue, size, m.longExit) + fee(shortVenue, size, m.shortExit);
      const exitNow = spreadPct(m.longExit, m.shortExit)!;
      const [exitAOverB, exitBOverA] = direction === 'AOverB' ? [exitNow, -exitNow - 0.05] : [-exitNow - 0.05, exitNow];
      this.log.push(
        events.spreadMonitoring(this.at(500), {
          pair,
          entryAOverB: exitBOverA,
          entryBOverA: exitAOverB,
          exitAOverB,
          exitBOverA,
          position: {
            direction,
            size,
            entrySpread,
            longEntryPrice: spec.longEntry,
            shortEntryPrice: spec.shortEntry,
            longExitPrice: m.longExit,
            shortExitPrice: m.shortExit,
            grossUsd,
            exitFeesUsd,
            netUsd: grossUsd - exitFeesUsd,
          },
        }),
      );
    }

    for (const totalUsd of spec.accruedFunding ?? []) {
      this.log.push(
        events.fundingAccrued(this.at(1_000), {
          pair,
          direction,
          size,
          longVenue,
          shortVenue,
          longUsd: totalUsd / 4,
          shortUsd: (totalUsd * 3) / 4,
          totalUsd,
          longRatePerHour: -0.00001,
          shortRatePerHour: 0.00005,
          realised: false,
        }),
      );
    }

    if (spec.longExit === undefined || spec.shortExit === undefined) return this;
    const exitFill = spreadPct(spec.longExit, spec.shortExit)!;
    const exitDecided = spec.exitDecided ?? exitFill;
    const reason = spec.reason ?? 'exit_target';
    if (reason !== 'close_on_exit') {
      const tick = this.at(100);
      const exitTick = direction === 'AOverB' ? { entryAOverB: -exitDecided - 0.05, entryBOverA: exitDecided } : { entryAOverB: exitDecided, entryBOverA: -exitDecided - 0.05 };
      this.log.push(
        events.tradeExit(tick, { pair, polls: 10, entrySpread, exitSpread: exitDecided, exitTarget: -0.02, profit: entrySpread + exitDecided, reason, tick: { time: tick, ...exitTick } }),
      );
    }
    this.fills(pair, [
      [longVenue, 'SELL', spec.longExit, true],
      [shortVenue, 'BUY', spec.shortExit, true],
    ], size);
    const grossPnlUsd = size * (spec.longExit - spec.longEntry) + size * (spec.shortEntry - spec.shortExit);
    const exitFees = fee(longVenue, size, spec.longExit) + fee(shortVenue, size, spec.shortExit);
    const t = this.at(5);
    this.log.push(
      events.positionClosed(t, {
        pair,
        polls: 10,
        entrySpread,
        exitSpread: reason === 'close_on_exit' ? Number.NaN : exitDecided,
        profit: entrySpread + exitDecided,
        grossPnlUsd,
        feesUsd: entryFees + exitFees,
        reason,
        ...(spec.fundingUsd !== undefined ? { fundingUsd: spec.fundingUsd } : {}),
      }),
      events.exitMonitorStopped(t, { pair, polls: 10, reason: 'closed' }),
    );
    return this;
  }

  /** One leg filled, the other rejected, the filled one unwound: the executor's failed entry. */
  failedEntry(spec: FailedEntrySpec): this {
    const pair = spec.pair ?? 'BTC-PERP';
    const direction = spec.direction ?? 'AOverB';
    const size = spec.size ?? 0.01;
    const longVenue: VenueId = direction === 'AOverB' ? 'vest' : 'paradex';
    const shortVenue: VenueId = direction === 'AOverB' ? 'paradex' : 'vest';
    this.log.push(events.spreadDetected(this.at(100), { pair, direction, entrySpread: 0.2, netSpread: 0.09, threshold: 0.06 }));
    this.fills(pair, [[longVenue, 'BUY', spec.longEntry, false]], size);
    const rejected = this.id();
    this.log.push(
      events.orderPlaced(this.at(1), { pair, venue: shortVenue, clientId: rejected, side: 'SELL', size, reduceOnly: false }),
      events.orderFailed(this.at(1), { pair, venue: shortVenue, clientId: rejected, reason: 'insufficient margin' }),
    );
    this.fills(pair, [[longVenue, 'SELL', spec.unwindAt, true]], size);
    this.log.push(
      // The long excess sold back: its price PnL against the entry fill.
      events.legUnwound(this.at(1), { pair, venue: longVenue, size, ok: true, reason: 'unwound', grossPnlUsd: (spec.unwindAt - spec.longEntry) * size }),
      events.tradeFailed(this.at(1), { pair, reason: `${shortVenue} rejected: insufficient margin; ${longVenue} leg unwound` }),
    );
    return this;
  }

  private id(): string {
    return `arb-${++this.ids}`;
  }

  private fills(pair: string, legs: readonly [VenueId, 'BUY' | 'SELL', number, boolean][], size: number): void {
    const ids = legs.map(() => this.id());
    legs.forEach(([venue, side, , reduceOnly], i) =>
      this.log.push(events.orderPlaced(this.at(1), { pair, venue, clientId: ids[i]!, side, size, reduceOnly })),
    );
    legs.forEach(([venue, , price], i) =>
      this.log.push(events.orderFilled(this.at(10), { pair, venue, clientId: ids[i]!, filledSize: size, avgPrice: price, feeUsd: fee(venue, size, price), latencyMs: 10 })),
    );
  }

  shutdown(): TradingEvent[] {
    this.log.push(events.botShutdown(this.at(100), { reason: 'shutdown' }));
    return this.log;
  }
}
