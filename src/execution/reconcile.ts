/**
 * Reconciliation as pure functions: what the journal says each venue should hold, how that differs
 * from what the venues report, and what a pair leaves unhedged. No I/O and no clock, so restore,
 * the `resume` command and the exit report share one set of rules, testable without venues or files.
 */
import type { VenueId } from '../domain/market';
import { floorToStep, roundDecimals } from '../venues/decimal';
import type { OrderAccepted, OrderOutcome, Side } from '../venues/venue';
import type { JournalState, OpeningEntry } from './journal';
import { legOf, LEG_KEYS } from './legs';
import { outcomeFeeUsd } from './order-path';
import { type Exposure, type LegFill, type PairExposure, type PendingOrder } from './types';

export type VenueKey = 'a' | 'b';

/** Relative tolerance for comparing base sizes that went through decimal strings and float sums. */
export function sizeTolerance(size: number): number {
  return Math.max(Math.abs(size), 1) * 1e-9;
}

export function sameSize(x: number, y: number): boolean {
  return Math.abs(x - y) <= sizeTolerance(Math.max(Math.abs(x), Math.abs(y)));
}

/** A size that carries its direction (+ long, - short) as text with its sign: +0.01, -0.01. */
export function withSign(size: number): string {
  return size > 0 ? `+${size}` : `${size}`;
}

export function describeSize(size: number): string {
  if (size > 0) return `long ${size}`;
  if (size < 0) return `short ${-size}`;
  return 'flat';
}

export function exposureText(e: Exposure): string {
  return `${e.venue} ${e.symbol} ${describeSize(e.size)}`;
}

export function pendingOrderText(o: PendingOrder): string {
  return `${o.venue} ${o.symbol} ${o.side} ${o.size} (order ${o.clientId}, outcome unknown)`;
}

/** One line for an operator: what is unhedged and which orders nobody has seen the outcome of. */
export function pairExposureText(e: PairExposure): string {
  const parts = [
    ...(e.unhedged.length > 0 ? [`unhedged ${e.unhedged.map(exposureText).join(', ')}`] : []),
    ...(e.pendingOrders.length > 0 ? [`pending ${e.pendingOrders.map(pendingOrderText).join(', ')}`] : []),
  ];
  return `${e.pair}: ${parts.join('; ') || 'nothing unhedged'} (${e.note}; from the ${e.source === 'venues' ? "venues' positions" : 'journal'})`;
}

/**
 * The holdings (+ long, - short) per venue key the journal implies; undefined when it cannot say (an
 * unfinished entry: that needs the entry's orders looked up first).
 */
export function expectedHoldings(state: JournalState, ids: Record<VenueKey, VenueId>): Record<VenueKey, number> | undefined {
  const out = { a: 0, b: 0 };
  const keyOf = (id: VenueId): VenueKey | undefined => (ids.a === id ? 'a' : ids.b === id ? 'b' : undefined);
  switch (state.phase) {
    case 'flat':
      return out;
    case 'opening':
      return undefined;
    case 'exposed':
      for (const e of state.exposure ?? []) {
        const k = keyOf(e.venue);
        if (k !== undefined) out[k] += e.size;
      }
      return out;
    case 'open':
    case 'closing': {
      const p = state.position;
      if (p === undefined) return out;
      const kl = keyOf(p.longVenue);
      const ks = keyOf(p.shortVenue);
      if (kl !== undefined) out[kl] += roundDecimals(p.size - state.closedSize.long, 12);
      if (ks !== undefined) out[ks] -= roundDecimals(p.size - state.closedSize.short, 12);
      return out;
    }
  }
}

/** One line per venue whose holding differs from the expectation (empty when they agree). */
export function holdingMismatches(
  expected: Record<VenueKey, number>,
  actual: Record<VenueKey, number>,
  names: Record<VenueKey, string>,
  expectedBy = 'journal expects',
): string[] {
  const out: string[] = [];
  for (const k of ['a', 'b'] as const) {
    if (!sameSize(expected[k], actual[k])) out.push(`${names[k]}: ${expectedBy} ${describeSize(expected[k])}, venue reports ${describeSize(actual[k])}`);
  }
  return out;
}

/** The unhedged part of two venue holdings: an opposite common size is a hedge, the rest is exposure. */
export function unhedgedOf(one: Exposure, other: Exposure): Exposure[] {
  let x = one.size;
  let y = other.size;
  if (x * y < 0) {
    const hedged = Math.min(Math.abs(x), Math.abs(y));
    x = roundDecimals(x - Math.sign(x) * hedged, 12);
    y = roundDecimals(y - Math.sign(y) * hedged, 12);
  }
  return [
    { ...one, size: x },
    { ...other, size: y },
  ].filter((e) => !sameSize(e.size, 0));
}

/** True when a recorded fill is the final word on its order (a lookup would not tell more). */
export function isSettled(fill: LegFill): boolean {
  return fill.unresolved !== true;
}

/**
 * What a pair leaves at the venues according to its journal alone (no venue read: usable at once,
 * e.g. on a second Ctrl-C). `inFlight`: an order operation is running, so armed close orders may
 * be out before 'closing' was written. Undefined when nothing is left: flat, or a hedged position
 * that the next start monitors.
 */
export function journalExposure(pair: string, state: JournalState, inFlight: boolean): PairExposure | undefined {
  let left: Left | undefined;
  switch (state.phase) {
    case 'flat':
      return undefined;
    case 'exposed':
      left = {
        unhedged: (state.exposure ?? []).filter((e) => !sameSize(e.size, 0)),
        pending: [],
        note: 'unhedged exposure recorded earlier (an unwind failed), awaiting an operator',
      };
      break;
    case 'open':
      left = inFlight ? armedCloseLeft(state) : undefined;
      break;
    case 'closing':
      left = closingLeft(state);
      break;
    case 'opening':
      left = openingLeft(state);
      break;
  }
  if (left === undefined || (left.unhedged.length === 0 && left.pending.length === 0)) return undefined;
  return { pair, unhedged: left.unhedged, pendingOrders: left.pending, source: 'journal', note: left.note };
}

/** What one phase leaves at the venues. */
interface Left {
  readonly unhedged: Exposure[];
  readonly pending: PendingOrder[];
  readonly note: string;
}

/** An order sent whose outcome nobody has seen. */
function pendingOrder(venue: VenueId, symbol: string, side: Side, clientId: string, size: number, lookupRef: string | undefined): PendingOrder {
  return { venue, symbol, side, clientId, size, ...(lookupRef !== undefined ? { lookupRef } : {}) };
}

/** Armed close orders may be out before 'closing' was written (only while an order operation runs). */
function armedCloseLeft(state: JournalState): Left | undefined {
  const p = state.position;
  if (p === undefined || state.armed === undefined) return undefined;
  const pending: PendingOrder[] = [];
  for (const key of LEG_KEYS) {
    const clientId = state.armed.clientIds[key];
    if (!clientId) continue;
    const leg = legOf(p, key);
    pending.push(pendingOrder(leg.venue, leg.symbol, leg.closeSide, clientId, p.size, state.armed.lookupRefs?.[key]));
  }
  return { unhedged: [], pending, note: 'close in flight' };
}

function closingLeft(state: JournalState): Left | undefined {
  const p = state.position;
  if (p === undefined) return undefined;
  const open = { long: roundDecimals(p.size - state.closedSize.long, 12), short: roundDecimals(p.size - state.closedSize.short, 12) };
  const unhedged = unhedgedOf({ venue: p.longVenue, symbol: p.longSymbol, size: open.long }, { venue: p.shortVenue, symbol: p.shortSymbol, size: -open.short });
  const pending: PendingOrder[] = [];
  for (const key of LEG_KEYS) {
    const leg = legOf(p, key);
    for (const o of state.pendingCloseOrders?.[key] ?? []) pending.push(pendingOrder(leg.venue, leg.symbol, leg.closeSide, o.clientId, open[key], o.lookupRef));
  }
  return { unhedged, pending, note: 'close unfinished' };
}

function openingLeft(state: JournalState): Left | undefined {
  const o = state.opening;
  if (o === undefined) return undefined;
  const net = { long: 0, short: 0 };
  const pending: PendingOrder[] = [];
  for (const leg of LEG_KEYS) {
    const plan = o[leg];
    const fill = state.openingFills.find((f) => f.leg === leg && f.fill.clientId === plan.clientId)?.fill;
    if (fill !== undefined) net[leg] += fill.filledSize;
    if (fill === undefined || !isSettled(fill)) pending.push(pendingOrder(plan.venue, plan.symbol, plan.side, plan.clientId, plan.size, plan.lookupRef));
  }
  for (const f of state.unwindFills) {
    net[f.leg] -= f.fill.filledSize;
    if (!isSettled(f.fill)) pending.push(pendingOrder(f.fill.venue, f.fill.symbol, f.fill.side, f.fill.clientId, f.fill.requestedSize, f.fill.lookupRef));
  }
  for (const u of state.pendingUnwindOrders) pending.push(pendingOrder(u.venue, u.symbol, u.side, u.clientId, u.size, u.lookupRef));
  const unhedged = unhedgedOf(
    { venue: o.long.venue, symbol: o.long.symbol, size: roundDecimals(net.long, 12) },
    { venue: o.short.venue, symbol: o.short.symbol, size: -roundDecimals(net.short, 12) },
  );
  const note = state.unwindFills.length > 0 || state.pendingUnwindOrders.length > 0 ? 'unwind unfinished' : 'entry unfinished';
  return { unhedged, pending, note };
}

// ---- a restart: what the orders the journal left unconcluded did, judged against the venues' holdings.

/** A fill as a restarted process learns it from a look-up (undefined outcome: the venue never saw the order). */
export function fillFromLookup(
  plan: { readonly venue: VenueId; readonly symbol: string; readonly side: Side; readonly clientId: string; readonly size: number; readonly lookupRef?: string },
  outcome: OrderOutcome | undefined,
  role: string,
  usdcUsd: number,
): LegFill {
  const base = {
    venue: plan.venue,
    symbol: plan.symbol,
    side: plan.side,
    clientId: plan.clientId,
    requestedSize: plan.size,
    ...(plan.lookupRef !== undefined ? { lookupRef: plan.lookupRef } : {}),
  };
  if (outcome === undefined) return { ...base, filledSize: 0, avgPrice: undefined, feeUsd: 0, reason: `${role} not found at the venue after a restart: never arrived` };
  if (!outcome.ok) return { ...base, filledSize: 0, avgPrice: undefined, feeUsd: 0, reason: `${outcome.reason}${outcome.code !== undefined ? ` (${outcome.code})` : ''} (found after a restart)` };
  const partial = outcome.filledSize < plan.size * (1 - 1e-9);
  return {
    ...base,
    filledSize: outcome.filledSize,
    avgPrice: outcome.filledSize > 0 ? outcome.avgPrice : undefined,
    feeUsd: outcomeFeeUsd(outcome, usdcUsd),
    ...(partial ? { reason: `filled ${outcome.filledSize} of ${plan.size} (${outcome.status}, found after a restart)` } : {}),
  };
}

/**
 * The venues must hold exactly what an unfinished entry's orders did (filled less unwound, per leg,
 * ≥ 0 as held): one line per leg where they do not (empty when they agree).
 */
export function unexplainedEntryHoldings(
  opening: Pick<OpeningEntry, 'long' | 'short'>,
  explained: Readonly<Record<'long' | 'short', number>>,
  held: Readonly<Record<'long' | 'short', number>>,
): string[] {
  const out: string[] = [];
  for (const leg of ['long', 'short'] as const) {
    if (sameSize(explained[leg], held[leg])) continue;
    const plan = opening[leg];
    const sign = leg === 'long' ? 1 : -1;
    out.push(`${plan.venue} ${plan.symbol}: the entry's orders explain ${describeSize(sign * explained[leg])}, venue reports ${describeSize(sign * held[leg])}`);
  }
  return out;
}

/** What finishing an unfinished entry will do, in words (for the `resume` command and restore's reason). */
export function entryPlanText(held: Readonly<Record<'long' | 'short', number>>, step: number, venues: Readonly<Record<'long' | 'short', VenueId>>): string {
  const keep = floorToStep(Math.min(held.long, held.short), step);
  const sides = `${venues.long} ${describeSize(held.long)}, ${venues.short} ${describeSize(-held.short)}`;
  if (held.long <= 0 && held.short <= 0) return `${sides}: nothing to keep or unwind`;
  return `${sides}: keep a hedge of up to ${keep} if it clears the minimum notional, unwind the rest with reduce-only orders`;
}

/**
 * How much of a leg a close took off while the process was down: the journal expects `expectedAbs`
 * (≥ 0, in the leg's direction), the venue holds `held` (same convention). `impossible` when the
 * venue holds more, or the other side: not something a reduce-only close can do.
 */
export function closeReduction(expectedAbs: number, held: number): number | 'impossible' {
  const tolerance = sizeTolerance(expectedAbs);
  if (held < -tolerance || held > expectedAbs + tolerance) return 'impossible';
  return roundDecimals(expectedAbs - Math.max(0, held), 12);
}

/** A close order a restart found filled at its venue. */
export interface FoundCloseOrder {
  readonly clientId: string;
  readonly lookupRef?: string;
  readonly outcome: OrderAccepted;
}

/**
 * The close fills to credit for a leg reduced by `closed` while the process was down, from the close
 * orders found filled at the venue, in order, up to `closed`. Undefined when those fills do not
 * cover the reduction (anything else, such as a hand-closed leg, is for an operator).
 */
export function creditCloseReduction(
  leg: { readonly key: 'long' | 'short'; readonly venue: VenueId; readonly symbol: string; readonly closeSide: Side; readonly entryPrice: number; readonly usdcUsd: number },
  expectedAbs: number,
  closed: number,
  found: readonly FoundCloseOrder[],
): LegFill[] | undefined {
  const tolerance = sizeTolerance(expectedAbs);
  const explainedSize = found.reduce((sum, f) => sum + f.outcome.filledSize, 0);
  if (explainedSize < closed - tolerance) return undefined;
  const fills: LegFill[] = [];
  let toCredit = closed;
  for (const { clientId, lookupRef, outcome } of found) {
    if (!(toCredit > tolerance)) break;
    const filledSize = roundDecimals(Math.min(outcome.filledSize, toCredit), 12);
    toCredit = roundDecimals(toCredit - filledSize, 12);
    const avgPrice = outcome.avgPrice;
    fills.push({
      venue: leg.venue,
      symbol: leg.symbol,
      side: leg.closeSide,
      clientId,
      requestedSize: expectedAbs,
      filledSize,
      avgPrice: avgPrice ?? leg.entryPrice,
      feeUsd: outcomeFeeUsd(outcome, leg.usdcUsd),
      ...(filledSize < expectedAbs - tolerance ? { reason: `partially filled ${filledSize} of ${expectedAbs} (found after a restart)` } : {}),
      ...(avgPrice === undefined ? { priceEstimated: true } : {}),
      ...(lookupRef !== undefined ? { lookupRef } : {}),
    });
  }
  return fills;
}
