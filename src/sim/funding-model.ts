/**
 * The simulated venues' funding: per base asset and venue, a seeded mean-reverting (Ornstein-Uhlenbeck)
 * hourly rate and the cumulative index it drives (Paradex `funding_index`, Vest `cumFunding`, quote per
 * unit of base). Pure and seeded: no clock, no I/O; advanced one step per market step.
 *
 * The two venues' long-run means differ (Paradex's premium-plus-interest default leans positive; Vest's
 * AMM rate sits near zero), and the stationary spread is wider than the means, so rates flip sign.
 */
import { indexIncrement } from '../domain/funding';
import type { VenueId } from '../domain/market';
import { createRng, deriveSeed, type Rng } from './rng';

// Bound once: a global `Math.` lookup per call is slow inside jest's vm sandbox.
const { exp, sqrt } = Math;

export interface FundingModelOptions {
  /** Long-run mean of Paradex's rate, fraction per hour (0.01 % per 8 h = 1.25e-5/h). */
  paradexMeanPerHour: number;
  /** Long-run mean of Vest's rate, fraction per hour. */
  vestMeanPerHour: number;
  /** Stationary standard deviation of each rate, fraction per hour. */
  stdPerHour: number;
  /** Mean-reversion time constant of the rates, seconds of model time. */
  tauSec: number;
  /**
   * Funding hours accrued per hour of model time; 1 = real time. Raise it to see carry in a short
   * demo run (a 60 s run at 60 accrues one hour of funding); the README says so where it is used.
   */
  timeScale: number;
}

export const DEFAULT_FUNDING_MODEL: FundingModelOptions = {
  paradexMeanPerHour: 1.25e-5,
  vestMeanPerHour: -0.25e-5,
  stdPerHour: 2.5e-5,
  tauSec: 120,
  timeScale: 1,
};

/** One venue's funding state for one market. */
export interface SimFundingState {
  /** Fraction of notional per hour; positive = longs pay. */
  ratePerHour: number;
  /** Cumulative index, quote per unit of base. */
  index: number;
  /** Premium part of the rate (rate minus the interest leg), fraction per hour. */
  premiumPerHour: number;
}

const INTEREST_PER_HOUR = 1.25e-5; // Paradex's interest_rate 0.0001 per 8 h

/** One completed funding hour (Vest `GET /funding/history`): the rate that hour accrued at, on average. */
export interface SimFundingHour {
  /** When the hour completed, ms (the clock of the step that completed it). */
  readonly time: number;
  /** The hour's time-weighted mean rate, fraction per hour: rate × price × 1 h is what the index grew by at a flat price. */
  readonly oneHrFundingRate: number;
}

/** Completed hours kept per venue and market (the oldest are dropped). */
export const FUNDING_HISTORY_HOURS = 1_000;

interface HourBucket {
  rateHours: number;
  rows: SimFundingHour[];
}

export class FundingModel {
  private readonly opts: FundingModelOptions;
  private readonly rng: Rng;
  private readonly states = new Map<string, SimFundingState>();
  private readonly held = new Map<string, number>();
  private readonly hours = new Map<string, HourBucket>();
  /** Funding hours accrued since the start. */
  private elapsedHours = 0;

  constructor(seed: number, readonly bases: readonly string[], opts: Partial<FundingModelOptions> = {}) {
    this.opts = { ...DEFAULT_FUNDING_MODEL, ...opts };
    this.rng = createRng(deriveSeed(seed, 'funding'));
    for (const base of bases) {
      for (const venue of ['paradex', 'vest'] as const) {
        const mean = this.meanOf(venue);
        const ratePerHour = mean + this.opts.stdPerHour * this.rng.normal();
        this.states.set(key(venue, base), { ratePerHour, index: 0, premiumPerHour: ratePerHour - INTEREST_PER_HOUR });
      }
    }
  }

  state(venue: VenueId, base: string): Readonly<SimFundingState> | undefined {
    return this.states.get(key(venue, base));
  }

  /** Holds a venue's rate at `ratePerHour` (a test and demo knob: a funding flip on demand) until released. */
  setRate(venue: VenueId, base: string, ratePerHour: number): void {
    const s = this.states.get(key(venue, base));
    if (!s) throw new RangeError(`no funding for ${venue} ${base}`);
    this.held.set(key(venue, base), ratePerHour);
    s.ratePerHour = ratePerHour;
    s.premiumPerHour = ratePerHour - INTEREST_PER_HOUR;
  }

  /** The completed funding hours of a venue's market, oldest first. */
  history(venue: VenueId, base: string): readonly SimFundingHour[] {
    return this.hours.get(key(venue, base))?.rows ?? [];
  }

  releaseRate(venue: VenueId, base: string): void {
    this.held.delete(key(venue, base));
  }

  /**
   * Advances every rate and index by `stepMs` of model time; `mid(base)` (USD) prices the index growth. Each index
   * is in its venue's quote currency per unit of base: Paradex USD, Vest USDC (the USD mid ÷ `usdcUsd`).
   */
  step(stepMs: number, mid: (base: string) => number, usdcUsd = 1, at = 0): void {
    const dtSec = stepMs / 1000;
    const decay = exp(-dtSec / this.opts.tauSec);
    const shock = this.opts.stdPerHour * sqrt(1 - decay * decay);
    const hours = (dtSec / 3600) * this.opts.timeScale;
    // The part of this step before a funding-hour boundary counts in the hour it completes.
    const completed = Math.floor(this.elapsedHours + hours) > Math.floor(this.elapsedHours);
    const before = completed ? Math.floor(this.elapsedHours + hours) - this.elapsedHours : hours;
    this.elapsedHours += hours;
    for (const base of this.bases) {
      const price = mid(base);
      for (const venue of ['paradex', 'vest'] as const) {
        const k = key(venue, base);
        const s = this.states.get(k)!;
        // The index accrues at the rate in force over the step, then the rate moves.
        s.index += indexIncrement(s.ratePerHour, venue === 'vest' ? price / usdcUsd : price, hours);
        this.recordHour(k, s.ratePerHour, hours, before, completed, at);
        const heldRate = this.held.get(k);
        const mean = this.meanOf(venue);
        s.ratePerHour = heldRate ?? mean + (s.ratePerHour - mean) * decay + shock * this.rng.normal();
        s.premiumPerHour = s.ratePerHour - INTEREST_PER_HOUR;
      }
    }
  }

  /** Adds a step at `rate` to the venue's current funding hour; closes the hour when the step completes it. */
  private recordHour(k: string, rate: number, hours: number, before: number, completed: boolean, at: number): void {
    let bucket = this.hours.get(k);
    if (!bucket) this.hours.set(k, (bucket = { rateHours: 0, rows: [] }));
    if (!completed) {
      bucket.rateHours += rate * hours;
      return;
    }
    bucket.rows.push({ time: at, oneHrFundingRate: bucket.rateHours + rate * before });
    if (bucket.rows.length > FUNDING_HISTORY_HOURS) bucket.rows.shift();
    bucket.rateHours = rate * (hours - before);
  }

  private meanOf(venue: VenueId): number {
    return venue === 'paradex' ? this.opts.paradexMeanPerHour : this.opts.vestMeanPerHour;
  }
}

const key = (venue: VenueId, base: string): string => `${venue}:${base}`;
