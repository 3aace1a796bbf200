/**
 * How long each simulated venue takes from accepting an order to matching it against its book: a fixed
 * part plus a seeded random tail. The market keeps moving meanwhile, so an order fills against the book
 * of the moment it is matched, not the one the bot decided on, as with a real venue tens to hundreds of
 * ms away.
 *
 * The defaults are an assumption, not a measurement (neither venue publishes order-to-match figures):
 * Paradex's API and matching engine are in AWS ap-northeast-1 (its docs) and answer an order NEW before
 * its risk check and match; Vest executes against its AMM after its own checks. With a bot in the same
 * region, the book it decides on is already one feed hop old and the order needs another hop plus the
 * venue's queue; from another continent each hop is 100+ ms. The defaults sit in between: Paradex
 * 40 ms + a tail of mean 40 ms, Vest 60 ms + a tail of mean 60 ms (medians ≈ 68 ms and ≈ 100 ms).
 *
 * Pure and seeded: no clock, no I/O. The n-th order a venue accepts gets the same delay for a seed.
 */
import type { VenueId } from '../domain/market';
import { createRng, deriveSeed } from './rng';

// Bound once: a global `Math.` lookup per call is slow inside jest's vm sandbox.
const { log, min, round } = Math;

export interface OrderLatencyOptions {
  /** Fixed part of the time Paradex takes from accepting an order to matching it, ms. */
  paradexOrderDelayMs: number;
  /** Mean of the random part added to it (exponential, cut at MAX_TAIL_FACTOR × the mean), ms; 0 = none. */
  paradexOrderJitterMs: number;
  /** Fixed part of the time Vest takes from accepting an order to executing it, ms. */
  vestOrderDelayMs: number;
  /** Mean of the random part added to it (as for Paradex), ms; 0 = none. */
  vestOrderJitterMs: number;
}

export const DEFAULT_ORDER_LATENCY: OrderLatencyOptions = {
  paradexOrderDelayMs: 40,
  paradexOrderJitterMs: 40,
  vestOrderDelayMs: 60,
  vestOrderJitterMs: 60,
};

/** Orders matched as soon as they are accepted (the sim before this model): for tests about something else. */
export const NO_ORDER_LATENCY: OrderLatencyOptions = { paradexOrderDelayMs: 0, paradexOrderJitterMs: 0, vestOrderDelayMs: 0, vestOrderJitterMs: 0 };

/** The tail is cut here (× its mean), so no order waits past a client's poll window because of the model. */
export const MAX_TAIL_FACTOR = 5;

/** The latency keys of a set of sim-model options (the rest is the market model's). */
export const ORDER_LATENCY_KEYS: readonly (keyof OrderLatencyOptions)[] = Object.keys(DEFAULT_ORDER_LATENCY) as (keyof OrderLatencyOptions)[];

/** Draws each accepted order's delay for one venue, ms (an integer, ≥ the fixed part). */
export function orderDelaySampler(seed: number, venue: VenueId, options: Partial<OrderLatencyOptions> = {}): () => number {
  const o = { ...DEFAULT_ORDER_LATENCY, ...options };
  const [fixedMs, meanTailMs] = venue === 'paradex' ? [o.paradexOrderDelayMs, o.paradexOrderJitterMs] : [o.vestOrderDelayMs, o.vestOrderJitterMs];
  const rng = createRng(deriveSeed(seed, `${venue}:order-latency`));
  return () => {
    // One draw per order whatever the tail, so the n-th order's draw does not depend on the settings.
    const u = rng.next();
    const tail = meanTailMs > 0 ? min(-log(1 - u) * meanTailMs, MAX_TAIL_FACTOR * meanTailMs) : 0;
    return round(fixedMs + tail);
  };
}

/** Splits sim-model options into the order-latency part and the rest. */
export function splitOrderLatency<T extends Partial<OrderLatencyOptions>>(options: T): { latency: Partial<OrderLatencyOptions>; rest: Omit<T, keyof OrderLatencyOptions> } {
  const latency: Partial<OrderLatencyOptions> = {};
  const rest: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    if ((ORDER_LATENCY_KEYS as readonly string[]).includes(key)) latency[key as keyof OrderLatencyOptions] = value as number;
    else rest[key] = value;
  }
  return { latency, rest: rest as Omit<T, keyof OrderLatencyOptions> };
}
