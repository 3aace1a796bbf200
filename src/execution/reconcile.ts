/**
 * Reconciliation as pure functions: what the journal says each venue should hold, how that differs
 * from what the venues report, and what a pair leaves unhedged. No I/O and no clock, so restore,
 * the `resume` command and the exit report share one set of rules, testable without venues or files.
 */
import type { VenueId } from '../domain/market';
import type { JournalState } from './journal';
import { roundDecimals, type Exposure, type LegFill, type PairExposure, type PendingOrder } from './types';

export type VenueKey = 'a' | 'b';

/** Relative tolerance for comparing base sizes that went through decimal strings and float sums. */
export function sizeTolerance(size: number): number {
  return Math.max(Math.abs(size), 1) * 1e-9;
}

export function sameSize(x: number, y: number): boolean {
  return Math.abs(x - y) <= sizeTolerance(Math.max(Math.abs(x), Math.abs(y)));
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
 * The signed holdings per venue key the journal implies; undefined when it cannot say (an
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
  const pending: PendingOrder[] = [];
  let unhedged: Exposure[] = [];
  let note: string;
  switch (state.phase) {
    case 'flat':
      return undefined;
    case 'exposed':
      unhedged = (state.exposure ?? []).filter((e) => !sameSize(e.size, 0));
      note = 'unhedged exposure recorded earlier (an unwind failed), awaiting an operator';
      break;
    case 'open': {
      const p = state.position;
      if (!inFlight || p === undefined || state.armed === undefined) return undefined;
      for (const leg of ['long', 'short'] as const) {
        const clientId = state.armed.clientIds[leg];
        if (!clientId) continue;
        const lookupRef = state.armed.lookupRefs?.[leg];
        pending.push({
          venue: leg === 'long' ? p.longVenue : p.shortVenue,
          symbol: leg === 'long' ? p.longSymbol : p.shortSymbol,
          side: leg === 'long' ? 'SELL' : 'BUY',
          clientId,
          size: p.size,
          ...(lookupRef !== undefined ? { lookupRef } : {}),
        });
      }
      note = 'close in flight';
      break;
    }
    case 'closing': {
      const p = state.position;
      if (p === undefined) return undefined;
      const long = roundDecimals(p.size - state.closedSize.long, 12);
      const short = roundDecimals(p.size - state.closedSize.short, 12);
      unhedged = unhedgedOf({ venue: p.longVenue, symbol: p.longSymbol, size: long }, { venue: p.shortVenue, symbol: p.shortSymbol, size: -short });
      for (const leg of ['long', 'short'] as const) {
        for (const o of state.pendingCloseOrders?.[leg] ?? []) {
          pending.push({
            venue: leg === 'long' ? p.longVenue : p.shortVenue,
            symbol: leg === 'long' ? p.longSymbol : p.shortSymbol,
            side: leg === 'long' ? 'SELL' : 'BUY',
            clientId: o.clientId,
            size: leg === 'long' ? long : short,
            ...(o.lookupRef !== undefined ? { lookupRef: o.lookupRef } : {}),
          });
        }
      }
      note = 'close unfinished';
      break;
    }
    case 'opening': {
      const o = state.opening;
      if (o === undefined) return undefined;
      const net = { long: 0, short: 0 };
      for (const leg of ['long', 'short'] as const) {
        const plan = o[leg];
        const fill = state.openingFills.find((f) => f.leg === leg && f.fill.clientId === plan.clientId)?.fill;
        if (fill !== undefined) net[leg] += fill.filledSize;
        if (fill === undefined || !isSettled(fill)) {
          pending.push({
            venue: plan.venue,
            symbol: plan.symbol,
            side: plan.side,
            clientId: plan.clientId,
            size: plan.size,
            ...(plan.lookupRef !== undefined ? { lookupRef: plan.lookupRef } : {}),
          });
        }
      }
      for (const f of state.unwindFills) {
        net[f.leg] -= f.fill.filledSize;
        if (!isSettled(f.fill)) {
          pending.push({
            venue: f.fill.venue,
            symbol: f.fill.symbol,
            side: f.fill.side,
            clientId: f.fill.clientId,
            size: f.fill.requestedSize,
            ...(f.fill.lookupRef !== undefined ? { lookupRef: f.fill.lookupRef } : {}),
          });
        }
      }
      for (const u of state.pendingUnwindOrders) {
        pending.push({ venue: u.venue, symbol: u.symbol, side: u.side, clientId: u.clientId, size: u.size, ...(u.lookupRef !== undefined ? { lookupRef: u.lookupRef } : {}) });
      }
      unhedged = unhedgedOf(
        { venue: o.long.venue, symbol: o.long.symbol, size: roundDecimals(net.long, 12) },
        { venue: o.short.venue, symbol: o.short.symbol, size: -roundDecimals(net.short, 12) },
      );
      note = state.unwindFills.length > 0 || state.pendingUnwindOrders.length > 0 ? 'unwind unfinished' : 'entry unfinished';
      break;
    }
  }
  if (unhedged.length === 0 && pending.length === 0) return undefined;
  return { pair, unhedged, pendingOrders: pending, source: 'journal', note };
}
