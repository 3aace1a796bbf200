/**
 * Pre-trade checks: nothing is sent unless the opportunity is for this pair, trading is not halted,
 * no position is open, both venues' market rules give a common size that clears their minimums and
 * the configured caps, both accounts have the margin, and both venues read flat (a venue that holds
 * something we do not know about halts trading).
 */
import { events as ev, type TradingEvent } from '../domain/events';
import type { SpreadOpportunity } from '../domain/market';
import { legsOf } from '../domain/spread';
import { shortErrorText as errorText } from '../logging/redact';
import { floorToStep, isMultipleOf } from '../venues/decimal';
import type { MarketSpec, Venue } from '../venues/venue';
import type { ExecutorCore } from './core';
import { holdingOf } from './order-path';
import { describeSize } from './reconcile';
import type { OpenPosition } from './types';

export interface LegSetup {
  readonly venue: Venue;
  readonly symbol: string;
  readonly spec: MarketSpec;
  /** The detected price this leg trades at (ask for the long, bid for the short). */
  readonly refPrice: number;
}

export type Preflight = { ok: false; reason: string } | { ok: true; size: number; step: number; long: LegSetup; short: LegSetup };

type Refusal = { ok: false; reason: string };
type Sized = { ok: true; size: number; step: number; long: LegSetup; short: LegSetup };

export async function preflight(core: ExecutorCore, opp: SpreadOpportunity, current: OpenPosition | undefined, events: TradingEvent[]): Promise<Preflight> {
  if (opp.pair !== core.pair) return { ok: false, reason: `opportunity for ${opp.pair}, executor trades ${core.pair}` };
  if (core.halts.active()) return { ok: false, reason: `trading halted: ${core.halts.reason()}` };
  if (current !== undefined) return { ok: false, reason: `a position is already open (${current.direction} ${current.size})` };

  const sides = legsOf(opp.direction);
  const longVenue = core.venues[sides.long];
  const shortVenue = core.venues[sides.short];
  const longSymbol = longVenue.symbolFor(core.pair);
  const shortSymbol = shortVenue.symbolFor(core.pair);
  // The long leg buys at its venue's ask, the short leg sells at its venue's bid.
  const longRef = sides.long === 'a' ? opp.askA : opp.askB;
  const shortRef = sides.short === 'a' ? opp.bidA : opp.bidB;
  if (!(longRef > 0) || !(shortRef > 0) || !Number.isFinite(longRef) || !Number.isFinite(shortRef)) {
    return { ok: false, reason: 'opportunity has no valid prices' };
  }

  let longSpec: MarketSpec;
  let shortSpec: MarketSpec;
  try {
    [longSpec, shortSpec] = await Promise.all([longVenue.market(longSymbol), shortVenue.market(shortSymbol)]);
  } catch (err) {
    return { ok: false, reason: `market rules unavailable: ${errorText(err)}` };
  }
  const sized = sizeWithinLimits(core, {
    long: { venue: longVenue, symbol: longSymbol, spec: longSpec, refPrice: longRef },
    short: { venue: shortVenue, symbol: shortSymbol, spec: shortSpec, refPrice: shortRef },
  });
  if (!sized.ok) return sized;
  const account = await checkAccounts(core, sized, events);
  return account ?? sized;
}

/** The common size both venues can trade, checked against their rules and the configured caps. */
function sizeWithinLimits(core: ExecutorCore, legs: { long: LegSetup; short: LegSetup }): Sized | Refusal {
  const { long, short } = legs;
  const { settings } = core;
  const step = Math.max(long.spec.sizeIncrement, short.spec.sizeIncrement);
  const fine = Math.min(long.spec.sizeIncrement, short.spec.sizeIncrement);
  if (!isMultipleOf(step, fine)) {
    return { ok: false, reason: `size increments ${long.spec.sizeIncrement} and ${short.spec.sizeIncrement} are not multiples of each other` };
  }
  const size = floorToStep(settings.size, step);
  if (!(size > 0)) return { ok: false, reason: `size ${settings.size} rounds to 0 at increment ${step}` };

  for (const { venue, symbol, spec, refPrice } of [long, short]) {
    const notional = size * refPrice;
    if (notional < spec.minNotional) {
      return { ok: false, reason: `${venue.id} ${symbol}: notional $${notional.toFixed(2)} below the minimum $${spec.minNotional}` };
    }
    if (spec.maxOrderSize !== undefined && size > spec.maxOrderSize) {
      return { ok: false, reason: `${venue.id} ${symbol}: size ${size} above the venue maximum ${spec.maxOrderSize}` };
    }
  }
  if (settings.maxPositionBase !== undefined && size > settings.maxPositionBase) {
    return { ok: false, reason: `size ${size} above the configured maximum position ${settings.maxPositionBase}` };
  }
  const maxNotional = Math.max(size * long.refPrice, size * short.refPrice);
  if (settings.maxNotionalUsd !== undefined && maxNotional > settings.maxNotionalUsd) {
    return { ok: false, reason: `notional $${maxNotional.toFixed(2)} above the configured maximum $${settings.maxNotionalUsd}` };
  }
  return { ok: true, size, step, long, short };
}

/** Margin on both venues, and both venues flat; a venue holding what we do not know about halts trading. */
async function checkAccounts(core: ExecutorCore, sized: Sized, events: TradingEvent[]): Promise<Refusal | undefined> {
  const { size, long, short } = sized;
  let account: [number, number, number, number];
  try {
    const [mLong, mShort, hLong, hShort] = await Promise.all([
      long.venue.availableMarginUsd(),
      short.venue.availableMarginUsd(),
      holdingOf(long.venue, long.symbol),
      holdingOf(short.venue, short.symbol),
    ]);
    account = [mLong, mShort, hLong, hShort];
  } catch (err) {
    return { ok: false, reason: `account state unavailable: ${errorText(err)}` };
  }
  const [marginLong, marginShort, holdLong, holdShort] = account;
  const needLong = (size * long.refPrice) / core.settings.leverage;
  const needShort = (size * short.refPrice) / core.settings.leverage;
  if (!(marginLong >= needLong)) {
    return { ok: false, reason: `insufficient margin on ${long.venue.id}: available $${marginLong.toFixed(2)}, required $${needLong.toFixed(2)}` };
  }
  if (!(marginShort >= needShort)) {
    return { ok: false, reason: `insufficient margin on ${short.venue.id}: available $${marginShort.toFixed(2)}, required $${needShort.toFixed(2)}` };
  }
  // We believe we are flat; a venue that disagrees holds exposure we do not know about.
  const unknown: string[] = [];
  if (holdLong !== 0) unknown.push(`${long.venue.id} ${long.symbol}: expected flat, venue reports ${describeSize(holdLong)}`);
  if (holdShort !== 0) unknown.push(`${short.venue.id} ${short.symbol}: expected flat, venue reports ${describeSize(holdShort)}`);
  if (unknown.length === 0) return undefined;
  const detail = unknown.join('; ');
  events.push(ev.reconciliationMismatch(core.now(), { pair: core.pair, detail }));
  core.halt(`reconciliation mismatch: ${detail}`, undefined, events);
  return { ok: false, reason: `reconciliation mismatch: ${detail}` };
}
