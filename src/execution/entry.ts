/**
 * Entry and unwind: both legs signed, journalled ('opening', one fsync) and sent back to back; what
 * filled decides the end (a clean hedge, a smaller hedge with the excess unwound, fully unwound, or
 * exposure an operator must see). concludeEntry is shared with the restart, which finishes an entry a
 * crash interrupted the same way.
 */
import { legIndexes, type LegIndexes, type PairFunding } from '../domain/funding';
import { events as ev, type TradingEvent } from '../domain/events';
import { fillsEntrySpread, type SpreadOpportunity } from '../domain/market';
import { legsOf, type Direction } from '../domain/spread';
import { shortErrorText as errorText } from '../logging/redact';
import { decimalsOfStep, floorToStep, roundDecimals } from '../venues/decimal';
import type { PreparedOrder, Venue } from '../venues/venue';
import type { ExecutorCore } from './core';
import type { OpenFailure, OpenResult, OpenSuccess, UnwindReport } from './executor-api';
import type { LegKey } from './legs';
import { holdingOf, type InFlight } from './order-path';
import { entryOrder } from './orders';
import type { LegSetup, Preflight } from './preflight';
import { exposureText, withSign } from './reconcile';
import { unwindExcess } from './unwind';
import type { Exposure, LegFill, LegPlan, OpenPosition } from './types';

/** A leg of an entry being concluded: where it trades, and the price an unwind of it trades at. */
export interface ConcludingLeg extends LegSetup {
  readonly unwindRef: number;
}

/** What concludeEntry needs, from a live entry or from one a restart found unfinished. */
export interface EntryConclusion {
  readonly direction: Direction;
  readonly detectedSpread: number;
  /** Size each leg was sent with. */
  readonly size: number;
  /** The coarser size increment of the two venues. */
  readonly step: number;
  readonly legs: EntryLegs;
  /** What each leg holds now (≥ 0): filled, less anything already unwound. */
  readonly held: { readonly long: number; readonly short: number };
  readonly long: ConcludingLeg;
  readonly short: ConcludingLeg;
  readonly unwindSlippagePct: number;
  readonly openedAt: number;
  readonly restored: boolean;
  /** When the opportunity was detected (TRADE_ENTRY latency). */
  readonly detectedAt: number;
  /** Each leg's funding index at entry, when the bot tracked funding (an entry finished after a restart: unknown). */
  readonly fundingIndexAtEntry?: LegIndexes;
  /** USD per USDC the entry is taken at: the run's for a live entry, the journalled one for an entry a restart finishes. */
  readonly usdcUsd: number;
}

export type EntryLegs = { readonly long: LegFill; readonly short: LegFill };

/** Called once a position is open (live or restored): the executor starts monitoring it and arms its close. */
export type AdoptPosition = (position: OpenPosition) => void;

export function openFailure(
  core: ExecutorCore,
  stage: OpenFailure['stage'],
  reason: string,
  events: TradingEvent[],
  extra: { legs?: EntryLegs; unwound?: readonly UnwindReport[] } = {},
): OpenFailure {
  events.push(ev.tradeFailed(core.now(), { pair: core.pair, reason }));
  return { ok: false, stage, reason, unwound: extra.unwound ?? [], halted: core.halts.active(), events, ...(extra.legs ? { legs: extra.legs } : {}) };
}

/** Sends both entry legs for a checked opportunity and concludes what they did. */
export async function enter(
  core: ExecutorCore,
  opp: SpreadOpportunity,
  pre: Extract<Preflight, { ok: true }>,
  adopt: AdoptPosition,
  events: TradingEvent[],
  funding?: PairFunding,
): Promise<OpenResult> {
  const { size, step, long, short } = pre;
  const ready = await signAndJournalEntry(core, opp, pre);
  if (!ready.ok) return openFailure(core, 'preflight', ready.reason, events);
  const { longOrder, shortOrder } = ready;

  // Both legs leave now, back to back; their replies are settled concurrently.
  const longFlight = core.orders.dispatchLogged(long.venue, longOrder, events);
  const shortFlight = core.orders.dispatchLogged(short.venue, shortOrder, events);
  const settleAndRecord = async (key: LegKey, venue: Venue, flight: InFlight, ref: number): Promise<LegFill> => {
    const fill = await core.orders.settle(venue, flight, ref, events, core.settings.usdcUsd);
    core.journal.recordBestEffort({ kind: 'leg_filled', pair: core.pair, time: core.now(), phase: 'open', leg: key, fill });
    return fill;
  };
  const [longFill, shortFill] = await Promise.all([
    settleAndRecord('long', long.venue, longFlight, long.refPrice),
    settleAndRecord('short', short.venue, shortFlight, short.refPrice),
  ]);
  const legs = { long: longFill, short: shortFill };

  // Filled sizes as the venues' positions show them when an outcome stayed unknown.
  const [longFilled, shortFilled] = await Promise.all([filledOrHolding(core, longFill, long.venue, +1), filledOrHolding(core, shortFill, short.venue, -1)]);
  if (longFilled === undefined || shortFilled === undefined) {
    // The process gave up waiting (a stop past its grace): the journal keeps the entry unfinished ('opening', both
    // orders named), which the next start finishes by looking them up; a guessed exposure would only mismatch.
    if (core.orders.detached()) return openFailure(core, 'execution', 'stopped before a silent venue answered: the next start finishes this entry', events, { legs });
    return unknownEntry(core, pre, legs, { long: longFilled, short: shortFilled }, events);
  }
  const sides = legsOf(opp.direction);
  const entry: EntryConclusion = {
    direction: opp.direction,
    detectedSpread: opp.spread,
    size,
    step,
    legs,
    held: { long: longFilled, short: shortFilled },
    long: { ...long, unwindRef: sides.long === 'a' ? opp.bidA : opp.bidB },
    short: { ...short, unwindRef: sides.short === 'a' ? opp.askA : opp.askB },
    unwindSlippagePct: core.settings.unwindSlippagePct,
    openedAt: core.now(),
    restored: false,
    detectedAt: opp.detectedAt,
    usdcUsd: core.settings.usdcUsd,
    ...(funding !== undefined ? { fundingIndexAtEntry: legIndexes(opp.direction, funding) } : {}),
  };
  return concludeEntry(core, entry, adopt, events);
}

/** Signs both legs, then journals 'opening' with all a new process needs to find both orders. Nothing is sent yet. */
async function signAndJournalEntry(
  core: ExecutorCore,
  opp: SpreadOpportunity,
  pre: Extract<Preflight, { ok: true }>,
): Promise<{ ok: true; longOrder: PreparedOrder; shortOrder: PreparedOrder } | { ok: false; reason: string }> {
  const { size, long, short } = pre;
  const { slippagePct } = core.settings;
  const longReq = entryOrder(core.newClientId(), long.symbol, 'BUY', size, long.refPrice, slippagePct, long.spec.tickSize);
  const shortReq = entryOrder(core.newClientId(), short.symbol, 'SELL', size, short.refPrice, slippagePct, short.spec.tickSize);
  let longOrder: PreparedOrder;
  let shortOrder: PreparedOrder;
  try {
    [longOrder, shortOrder] = await Promise.all([long.venue.prepareOrder(longReq), short.venue.prepareOrder(shortReq)]);
  } catch (err) {
    return { ok: false, reason: `signing failed, nothing sent: ${errorText(err)}` };
  }
  const plan = (order: PreparedOrder, venue: Venue): LegPlan => ({
    venue: venue.id,
    symbol: order.request.symbol,
    side: order.request.side,
    clientId: order.request.clientId,
    size,
    priceCap: order.request.price,
    ...(order.lookupRef !== undefined ? { lookupRef: order.lookupRef } : {}),
  });
  try {
    // One fsync for both legs, before either is sent: a crash after this line leaves what restore() needs.
    core.journal.journalOrThrow({
      kind: 'opening',
      pair: core.pair,
      time: core.now(),
      direction: opp.direction,
      size,
      detectedSpread: opp.spread,
      long: plan(longOrder, long.venue),
      short: plan(shortOrder, short.venue),
      ...(core.settings.usdcUsd !== 1 ? { usdcUsd: core.settings.usdcUsd } : {}),
    });
  } catch (err) {
    return { ok: false, reason: `journal write failed, nothing sent: ${errorText(err)}` };
  }
  return { ok: true, longOrder, shortOrder };
}

/** An entry leg's outcome stayed unknown and its venue's position cannot be read: exposure for an operator. */
function unknownEntry(
  core: ExecutorCore,
  pre: Extract<Preflight, { ok: true }>,
  legs: EntryLegs,
  filled: { long: number | undefined; short: number | undefined },
  events: TradingEvent[],
): OpenFailure {
  const { long, short } = pre;
  const reason =
    'order outcome unknown and positions unreadable: ' +
    [
      filled.long === undefined ? `${long.venue.id} ${long.symbol} long leg ${legs.long.clientId}` : '',
      filled.short === undefined ? `${short.venue.id} ${short.symbol} short leg ${legs.short.clientId}` : '',
    ]
      .filter(Boolean)
      .join(', ');
  core.journal.recordBestEffort({
    kind: 'exposed',
    pair: core.pair,
    time: core.now(),
    reason,
    exposure: [
      { venue: long.venue.id, symbol: long.symbol, size: filled.long ?? legs.long.requestedSize },
      { venue: short.venue.id, symbol: short.symbol, size: 0 - (filled.short ?? legs.short.requestedSize) },
    ],
  });
  core.halt(reason, undefined, events);
  return openFailure(core, 'unwind', reason, events, { legs });
}

/**
 * How long an entry waits for a venue that answers nothing (an outage: its order's outcome unknown, its positions
 * unreadable) before it leaves the pair halted for an operator. Meanwhile the pair is busy with this entry, and the
 * other leg, if it filled, is held: unwinding it before the silent leg's outcome is known could leave that leg alone.
 */
export const ENTRY_OUTCOME_WAIT_MS = 300_000;
/** The longest pause between two reads of a silent venue's positions. */
const ENTRY_OUTCOME_POLL_MAX_MS = 5_000;

/**
 * The leg's filled size; for an unresolved outcome, what the venue's position shows, read again (with the order
 * path's backoff) until the venue answers, for up to ENTRY_OUTCOME_WAIT_MS; undefined if it never does, or the
 * process gives up (detach).
 */
async function filledOrHolding(core: ExecutorCore, fill: LegFill, venue: Venue, sign: 1 | -1): Promise<number | undefined> {
  if (!fill.unresolved) return fill.filledSize;
  const { orders } = core;
  const giveUpAt = core.now() + ENTRY_OUTCOME_WAIT_MS;
  for (let retry = 0; !orders.detached(); retry++) {
    try {
      const read = await orders.deadline(holdingOf(venue, fill.symbol), core.settings.legTimeoutMs);
      if (read.done) return Math.max(0, sign * read.value);
    } catch {
      // The venue still does not answer: read again after the backoff.
    }
    if (core.now() >= giveUpAt) return undefined;
    const wait = Math.min(orders.backoff(retry), ENTRY_OUTCOME_POLL_MAX_MS, Math.max(0, giveUpAt - core.now()));
    await orders.deadline(orders.pause(wait), wait);
  }
  return undefined;
}

/**
 * Decides what an entry ends as, given what each leg holds: a clean hedge, a smaller hedge with the
 * excess unwound, fully unwound, or (an unwind failing) exposure for an operator. Shared by a live
 * entry and by restore() finishing an interrupted one (`restored`: no cooldown halt, and the
 * position is reported as restored instead of as a new TRADE_ENTRY).
 */
export async function concludeEntry(core: ExecutorCore, entry: EntryConclusion, adopt: AdoptPosition, events: TradingEvent[]): Promise<OpenResult> {
  const { size, step, legs, held } = entry;
  const eps = step * 1e-6;
  const clean = entry.restored
    ? held.long > eps && Math.abs(held.long - held.short) < eps
    : Math.abs(held.long - size) < eps && Math.abs(held.short - size) < eps;
  if (clean) {
    const kept = entry.restored ? floorToStep(held.long, step) : size;
    if (!entry.restored || clearsMinimums(entry, kept)) {
      return opened(core, buildPosition(core, entry, kept), entry, [], adopt, events);
    }
  }
  if (held.long < eps && held.short < eps) {
    const why = entry.restored ? `restart during entry: ${legFailureText(legs)}; both venues flat` : legFailureText(legs);
    core.journal.recordBestEffort({ kind: 'entry_failed', pair: core.pair, time: core.now(), reason: why });
    core.haltOnJournalFailures(events);
    return openFailure(core, 'execution', `neither leg filled: ${legFailureText(legs)}`, events, { legs });
  }
  return concludeImbalance(core, entry, adopt, events);
}

function clearsMinimums(entry: EntryConclusion, size: number): boolean {
  return size * entry.long.refPrice >= entry.long.spec.minNotional && size * entry.short.refPrice >= entry.short.spec.minNotional;
}

/** Imbalance: keep the common hedged size when both venues accept it as a position; unwind the rest. */
async function concludeImbalance(core: ExecutorCore, entry: EntryConclusion, adopt: AdoptPosition, events: TradingEvent[]): Promise<OpenResult> {
  const { step, legs, held, long, short } = entry;
  const eps = step * 1e-6;
  let keep = floorToStep(Math.min(held.long, held.short), step);
  if (keep > 0 && !clearsMinimums(entry, keep)) keep = 0;
  const excessLong = roundDecimals(held.long - keep, decimalsOfStep(long.spec.sizeIncrement) + 2);
  const excessShort = roundDecimals(held.short - keep, decimalsOfStep(short.spec.sizeIncrement) + 2);
  const slip = entry.unwindSlippagePct;
  const [longUnwind, shortUnwind] = await Promise.all([
    excessLong > eps ? unwindExcess(core, { key: 'long', venue: long.venue, symbol: long.symbol, side: 'SELL', excess: excessLong, keep, ref: long.unwindRef, slippagePct: slip, entryPrice: legs.long.avgPrice, usdcUsd: entry.usdcUsd }, events) : undefined,
    excessShort > eps ? unwindExcess(core, { key: 'short', venue: short.venue, symbol: short.symbol, side: 'BUY', excess: excessShort, keep, ref: short.unwindRef, slippagePct: slip, entryPrice: legs.short.avgPrice, usdcUsd: entry.usdcUsd }, events) : undefined,
  ]);
  const unwound = [longUnwind, shortUnwind].filter((u): u is UnwindReport => u !== undefined);
  const failed = unwound.filter((u) => !u.ok);

  if (failed.length > 0) {
    const exposure: Exposure[] = [
      { venue: long.venue.id, symbol: long.symbol, size: keep + (longUnwind ? excessLong - longUnwind.unwoundSize : 0) },
      { venue: short.venue.id, symbol: short.symbol, size: 0 - (keep + (shortUnwind ? excessShort - shortUnwind.unwoundSize : 0)) },
    ];
    const reason = `unwind failed, unhedged exposure remains: ${exposure.map(exposureText).join(', ')} (${failed.map((u) => u.reason).join('; ')})`;
    core.journal.recordBestEffort({ kind: 'exposed', pair: core.pair, time: core.now(), exposure, reason });
    core.halt(reason, undefined, events);
    return openFailure(core, 'unwind', reason, events, { legs, unwound });
  }

  const imbalance = `${legFailureText(legs)}; unwound ${unwound.map((u) => `${u.venue} ${withSign(u.size)}`).join(', ')}`;
  const until = entry.restored ? undefined : core.now() + core.settings.haltCooldownMs;
  if (keep > 0) {
    const position = buildPosition(core, entry, keep);
    if (until !== undefined) core.halt(`leg imbalance on entry: ${imbalance}; kept a hedge of ${keep}`, until, events);
    return opened(core, position, entry, unwound, adopt, events);
  }
  core.journal.recordBestEffort({ kind: 'entry_failed', pair: core.pair, time: core.now(), reason: entry.restored ? `restart during entry: ${imbalance}` : imbalance });
  if (until !== undefined) core.halt(`leg imbalance on entry: ${imbalance}`, until, events);
  core.haltOnJournalFailures(events);
  return openFailure(core, 'execution', `entry not hedged: ${imbalance}`, events, { legs, unwound });
}

function opened(
  core: ExecutorCore,
  position: OpenPosition,
  entry: EntryConclusion,
  unwound: readonly UnwindReport[],
  adopt: AdoptPosition,
  events: TradingEvent[],
): OpenSuccess {
  core.journal.recordBestEffort({ kind: 'open', pair: core.pair, time: core.now(), position });
  core.haltOnJournalFailures(events);
  const time = core.now();
  if (entry.restored) {
    events.push(ev.positionRestored(time, { pair: core.pair, direction: position.direction, size: position.size, entrySpread: position.entrySpread }));
  } else {
    events.push(
      ev.tradeEntry(time, {
        pair: core.pair,
        direction: position.direction,
        entrySpread: position.entrySpread,
        spreadThreshold: core.settings.spreadThreshold ?? Number.NaN,
        longVenue: position.longVenue,
        shortVenue: position.shortVenue,
        size: position.size,
        longFillPrice: position.longEntryPrice,
        shortFillPrice: position.shortEntryPrice,
        feesUsd: position.entryFeesUsd,
        latencyMs: time - entry.detectedAt,
      }),
      ev.slippageAnalysis(time, {
        pair: core.pair,
        direction: position.direction,
        detectionSpread: entry.detectedSpread,
        executionSpread: position.entrySpread,
        slippageBps: (entry.detectedSpread - position.entrySpread) * 100,
      }),
    );
  }
  adopt(position);
  return { ok: true, position, legs: entry.legs, unwound, halted: core.halts.active(), events };
}

function buildPosition(core: ExecutorCore, entry: EntryConclusion, size: number): OpenPosition {
  const { legs, long, short } = entry;
  const longEntryPrice = legs.long.avgPrice ?? long.refPrice;
  const shortEntryPrice = legs.short.avgPrice ?? short.refPrice;
  const { usdcUsd } = entry;
  return {
    pair: core.pair,
    direction: entry.direction,
    size,
    longVenue: long.venue.id,
    shortVenue: short.venue.id,
    longSymbol: long.symbol,
    shortSymbol: short.symbol,
    longEntryPrice,
    shortEntryPrice,
    entrySpread: fillsEntrySpread({ price: longEntryPrice, venue: long.venue.id }, { price: shortEntryPrice, venue: short.venue.id }, usdcUsd) ?? entry.detectedSpread,
    detectedSpread: entry.detectedSpread,
    entryFeesUsd: legs.long.feeUsd + legs.short.feeUsd,
    clientIds: { long: legs.long.clientId, short: legs.short.clientId },
    openedAt: entry.openedAt,
    ...(entry.fundingIndexAtEntry !== undefined ? { fundingIndexAtEntry: entry.fundingIndexAtEntry } : {}),
    ...(usdcUsd !== 1 ? { usdcUsd } : {}),
  };
}

function legFailureText(legs: EntryLegs): string {
  const one = (name: string, f: LegFill): string =>
    `${name} ${f.venue} ${f.filledSize >= f.requestedSize * (1 - 1e-9) ? 'filled' : `filled ${f.filledSize}/${f.requestedSize}${f.reason ? ` (${f.reason})` : ''}`}`;
  return `${one('long', legs.long)}, ${one('short', legs.short)}`;
}
