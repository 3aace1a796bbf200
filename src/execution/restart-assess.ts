/**
 * What a restart finds: both venues' holdings read, and every order the journal leaves unconcluded
 * looked up by client id. Read-only (no order, no journal write): restore() acts on it, the `resume`
 * command only reports it. The judging itself is in reconcile.ts (pure).
 */
import type { VenueId } from '../domain/market';
import { shortErrorText as errorText } from '../logging/redact';
import { roundDecimals } from '../venues/decimal';
import type { MarketSpec } from '../venues/venue';
import type { ExecutorCore } from './core';
import type { ConcludingLeg, EntryLegs } from './entry';
import type { JournalState, OpeningEntry, PendingCloseOrder } from './journal';
import { legOf, LEG_KEYS, type LegKey } from './legs';
import { holdingOf } from './order-path';
import {
  closeReduction,
  creditCloseReduction,
  expectedHoldings,
  exposureText,
  fillFromLookup,
  holdingMismatches,
  sizeTolerance,
  unexplainedEntryHoldings,
  type FoundCloseOrder,
  type VenueKey,
} from './reconcile';
import type { Exposure, LegFill } from './types';

/** An unfinished entry as a restart found it at the venues. */
export interface EntryFound {
  readonly opening: OpeningEntry;
  /** Orders looked up whose outcome the journal did not have (to journal and report). */
  readonly found: ReadonlyArray<{ readonly phase: 'open' | 'unwind'; readonly leg: LegKey; readonly fill: LegFill }>;
  readonly legs: EntryLegs;
  readonly held: { readonly long: number; readonly short: number };
  readonly long: ConcludingLeg;
  readonly short: ConcludingLeg;
  readonly step: number;
}

/** Close fills a restart found at the venues that the journal did not record. */
export type CloseFound = ReadonlyArray<{ readonly leg: LegKey; readonly fill: LegFill }>;

export type Assessment =
  | { readonly kind: 'unreadable'; readonly reason: string; readonly live?: true }
  | { readonly kind: 'mismatch'; readonly detail: string; readonly holdings: readonly Exposure[] }
  | { readonly kind: 'consistent'; readonly holdings: readonly Exposure[]; readonly entry?: EntryFound; readonly close?: CloseFound };

/** `live`: only an order of ours still working at a venue stood in the way (it settles on its own). */
type Unreadable = { kind: 'unreadable'; reason: string; live?: true };

/** A failed look-up as the assessment's reason to try again. */
function notYet(looked: { reason: string; live?: true }): Unreadable {
  return { kind: 'unreadable', reason: looked.reason, ...(looked.live ? { live: true as const } : {}) };
}

/**
 * Reads both venues and looks up whatever orders the journal leaves unconcluded. The venues'
 * positions are the truth for sizes; the orders say whether the journal explains them.
 */
export async function assess(core: ExecutorCore, state: JournalState): Promise<Assessment> {
  const { a, b } = core.venues;
  const symA = a.symbolFor(core.pair);
  const symB = b.symbolFor(core.pair);
  let actual: Record<VenueKey, number>;
  try {
    const [ha, hb] = await Promise.all([holdingOf(a, symA), holdingOf(b, symB)]);
    actual = { a: ha, b: hb };
  } catch (err) {
    return { kind: 'unreadable', reason: `positions unreadable (${errorText(err)})` };
  }
  const holdings: Exposure[] = [
    { venue: a.id, symbol: symA, size: actual.a },
    { venue: b.id, symbol: symB, size: actual.b },
  ];

  if (state.phase === 'opening') {
    const entry = await assessEntry(core, state, actual);
    if (entry.kind === 'unreadable') return entry;
    if (entry.kind === 'mismatch') return { ...entry, holdings };
    return { kind: 'consistent', holdings, entry: entry.found };
  }

  let credited: CloseFound | undefined;
  const expected = expectedHoldings(state, { a: a.id, b: b.id }) ?? { a: 0, b: 0 };
  if (state.phase === 'closing' || (state.phase === 'open' && state.armed !== undefined)) {
    const close = await assessClose(core, state, actual);
    if (close.kind === 'unreadable') return close;
    if (close.kind === 'found' && state.position !== undefined) {
      credited = close.fills;
      for (const { leg, fill } of close.fills) {
        const k = core.keyOf(legOf(state.position, leg).venue);
        if (k !== undefined) expected[k] = roundDecimals(expected[k] + (leg === 'long' ? -fill.filledSize : fill.filledSize), 12);
      }
    }
  }
  const mismatches = holdingMismatches(expected, actual, { a: `${a.id} ${symA}`, b: `${b.id} ${symB}` });
  if (state.phase === 'exposed' && mismatches.length === 0) {
    mismatches.push(`journal records unhedged exposure (${(state.exposure ?? []).map(exposureText).join(', ')}) awaiting an operator`);
  }
  if (mismatches.length > 0) return { kind: 'mismatch', detail: mismatches.join('; '), holdings };
  return { kind: 'consistent', holdings, ...(credited !== undefined && credited.length > 0 ? { close: credited } : {}) };
}

/**
 * An entry the journal leaves unfinished: what each of its orders (entry legs, unwinds) did, as
 * the venues report them, and whether that explains what the venues hold.
 */
async function assessEntry(
  core: ExecutorCore,
  state: JournalState,
  actual: Record<VenueKey, number>,
): Promise<{ kind: 'found'; found: EntryFound } | Unreadable | { kind: 'mismatch'; detail: string }> {
  const opening = state.opening!;
  const describe = `journal shows an unfinished entry (${opening.direction} ${opening.size})`;
  const longVenue = core.venueById(opening.long.venue);
  const shortVenue = core.venueById(opening.short.venue);
  const kl = core.keyOf(opening.long.venue);
  const ks = core.keyOf(opening.short.venue);
  if (longVenue === undefined || shortVenue === undefined || kl === undefined || ks === undefined) {
    return { kind: 'mismatch', detail: `${describe} on venues this pair is not configured with (${opening.long.venue}, ${opening.short.venue})` };
  }
  const held = { long: actual[kl], short: -actual[ks] };
  const orders = await lookUpEntryOrders(core, state, opening);
  if (orders.kind === 'unreadable') return orders;
  const { legs, unwound, found } = orders;

  // The venues must hold exactly what these orders did: anything else is not ours to trade against.
  const explained = { long: roundDecimals(legs.long.filledSize - unwound.long, 12), short: roundDecimals(legs.short.filledSize - unwound.short, 12) };
  const unexplained = unexplainedEntryHoldings(opening, explained, held);
  if (unexplained.length > 0) return { kind: 'mismatch', detail: `${describe}; ${unexplained.join('; ')}` };

  let specs: [MarketSpec, MarketSpec];
  try {
    specs = await Promise.all([longVenue.market(opening.long.symbol), shortVenue.market(opening.short.symbol)]);
  } catch (err) {
    return { kind: 'unreadable', reason: `market rules unavailable (${errorText(err)})` };
  }
  const [longSpec, shortSpec] = specs;
  const step = Math.max(longSpec.sizeIncrement, shortSpec.sizeIncrement);
  // Without a book at start, the fill prices (else the caps) are the reference; unwinds get the wide fallback cap.
  const longRef = legs.long.avgPrice ?? opening.long.priceCap;
  const shortRef = legs.short.avgPrice ?? opening.short.priceCap;
  return {
    kind: 'found',
    found: {
      opening,
      found,
      legs,
      held: { long: Math.max(0, held.long), short: Math.max(0, held.short) },
      long: { venue: longVenue, symbol: opening.long.symbol, spec: longSpec, refPrice: longRef, unwindRef: longRef },
      short: { venue: shortVenue, symbol: opening.short.symbol, spec: shortSpec, refPrice: shortRef, unwindRef: shortRef },
      step,
    },
  };
}

/** The entry legs' and unwinds' fills: recorded ones as recorded, the rest looked up at their venues. */
async function lookUpEntryOrders(
  core: ExecutorCore,
  state: JournalState,
  opening: OpeningEntry,
): Promise<Unreadable | { kind: 'read'; legs: EntryLegs; unwound: Record<LegKey, number>; found: Array<EntryFound['found'][number]> }> {
  const venues = { long: core.venueById(opening.long.venue)!, short: core.venueById(opening.short.venue)! };
  const found: Array<EntryFound['found'][number]> = [];
  const legs = {} as Record<LegKey, LegFill>;
  for (const leg of LEG_KEYS) {
    const plan = opening[leg];
    const recorded = state.openingFills.find((f) => f.leg === leg && f.fill.clientId === plan.clientId)?.fill;
    if (recorded !== undefined && !recorded.unresolved) {
      legs[leg] = recorded;
      continue;
    }
    const looked = await core.orders.lookUp(venues[leg], plan.symbol, plan.clientId, plan.lookupRef);
    if (!looked.ok) return notYet(looked);
    const fill = fillFromLookup(plan, looked.outcome, 'entry leg', opening.usdcUsd ?? 1);
    legs[leg] = fill;
    if (looked.outcome !== undefined) found.push({ phase: 'open', leg, fill });
  }
  // Unwinds: recorded fills, and orders sent whose fill was never recorded (or stayed unknown).
  const unwound = { long: 0, short: 0 };
  for (const f of state.unwindFills) {
    if (!f.fill.unresolved) {
      unwound[f.leg] += f.fill.filledSize;
      continue;
    }
    const looked = await core.orders.lookUp(venues[f.leg], f.fill.symbol, f.fill.clientId, f.fill.lookupRef);
    if (!looked.ok) return notYet(looked);
    const fill = fillFromLookup({ ...f.fill, size: f.fill.requestedSize }, looked.outcome, 'unwind', opening.usdcUsd ?? 1);
    unwound[f.leg] += fill.filledSize;
    if (looked.outcome !== undefined) found.push({ phase: 'unwind', leg: f.leg, fill });
  }
  for (const u of state.pendingUnwindOrders) {
    const looked = await core.orders.lookUp(venues[u.leg], u.symbol, u.clientId, u.lookupRef);
    if (!looked.ok) return notYet(looked);
    const fill = fillFromLookup(u, looked.outcome, 'unwind', opening.usdcUsd ?? 1);
    unwound[u.leg] += fill.filledSize;
    // An order the venue never saw is recorded as such too: it must not be looked up again.
    found.push({ phase: 'unwind', leg: u.leg, fill });
  }
  return { kind: 'read', legs: legs as EntryLegs, unwound, found };
}

/**
 * After a crash between sending a close and journalling its fills: in phase 'open' with armed
 * close ids (sent before 'closing' is written) or in phase 'closing'. The venues' positions are
 * the truth. A leg that holds less than the journal expects, on the same side, is attributed to
 * our close only when the venue's record of that close order (looked up by client id) shows a fill
 * covering the reduction. An order that cannot be read, or is still live, makes the venue
 * unreadable for now (retried). Anything else unexplained (a hand-closed leg) is left to the
 * comparison, which halts on the mismatch for an operator.
 */
async function assessClose(core: ExecutorCore, state: JournalState, actual: Record<VenueKey, number>): Promise<{ kind: 'none' } | Unreadable | { kind: 'found'; fills: CloseFound }> {
  const position = state.position;
  if (position === undefined) return { kind: 'none' };
  const fills: Array<{ leg: LegKey; fill: LegFill }> = [];
  for (const key of LEG_KEYS) {
    const leg = legOf(position, key);
    const k = core.keyOf(leg.venue);
    const venue = core.venueById(leg.venue);
    if (k === undefined || venue === undefined) return { kind: 'none' };
    const expectedAbs = roundDecimals(position.size - state.closedSize[key], 12);
    const closed = closeReduction(expectedAbs, leg.sign * actual[k]);
    if (closed === 'impossible') return { kind: 'none' };
    if (!(closed > sizeTolerance(expectedAbs))) continue;
    // Each unrecorded order as the venue reports it. Not found = never arrived.
    const found: FoundCloseOrder[] = [];
    for (const order of unrecordedCloseOrders(state, key)) {
      const looked = await core.orders.lookUp(venue, leg.symbol, order.clientId, order.lookupRef);
      if (!looked.ok) return notYet(looked);
      const outcome = looked.outcome;
      if (outcome !== undefined && outcome.ok && outcome.filledSize > 0) {
        found.push({ clientId: order.clientId, ...(order.lookupRef !== undefined ? { lookupRef: order.lookupRef } : {}), outcome });
      }
    }
    const credited = creditCloseReduction(leg, expectedAbs, closed, found);
    if (credited === undefined) return { kind: 'none' };
    for (const fill of credited) fills.push({ leg: key, fill });
  }
  return fills.length === 0 ? { kind: 'none' } : { kind: 'found', fills };
}

/**
 * The orders of a leg that may have executed unrecorded: the armed one (sent before 'closing' is
 * written) in phase 'open', or in phase 'closing' every close order sent since whose fill is not journalled.
 */
function unrecordedCloseOrders(state: JournalState, leg: LegKey): readonly PendingCloseOrder[] {
  const armed = state.phase === 'open' ? state.armed : undefined;
  if (armed !== undefined) {
    const clientId = armed.clientIds[leg];
    const lookupRef = armed.lookupRefs?.[leg];
    return clientId ? [{ clientId, ...(lookupRef !== undefined ? { lookupRef } : {}) }] : [];
  }
  return state.phase === 'closing' ? (state.pendingCloseOrders?.[leg] ?? []) : [];
}

/** Venue ids the opening names, for entryPlanText. */
export function entryVenues(e: EntryFound): Record<LegKey, VenueId> {
  return { long: e.long.venue.id, short: e.short.venue.id };
}
