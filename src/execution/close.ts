/**
 * Closing a position: armed orders leave first, then 'closing' is journalled, then each leg is
 * closed with reduce-only orders until its venue's positions endpoint reads flat or retries run out.
 * The close is ok only when both venues read flat; otherwise the position stays monitored and the
 * next close resumes from what is already closed (the progress is kept).
 */
import type { TradingEvent } from '../domain/events';
import type { OrderBook } from '../domain/order-book';
import { shortErrorText as errorText } from '../logging/redact';
import { roundDecimals } from '../venues/decimal';
import type { MarketSpec, PreparedOrder, Venue } from '../venues/venue';
import type { ArmedSet } from './armed-close';
import { closeTotals, creditCloseFill, unexplainedCloseFills, type CloseProgress, type LegCloseProgress } from './close-progress';
import type { ExecutorCore } from './core';
import type { CloseBooks, CloseLegReport, CloseReport } from './executor-api';
import { legOf, LEG_KEYS, type LegKey, type PositionLeg } from './legs';
import { holdingOf, type InFlight } from './order-path';
import { capPrice, closeReference, lookupRefsOf, reduceOnlyOrder } from './orders';
import { describeSize, sizeTolerance } from './reconcile';
import type { LegFill, OpenPosition } from './types';

/** What a close needs from the executor's state. */
export interface CloseRun {
  readonly position: OpenPosition;
  readonly books: CloseBooks | undefined;
  /** This position's progress, credited fill by fill. */
  readonly progress: CloseProgress;
  /** The armed set handed over for this close (sent at most once). */
  readonly armed: ArmedSet | undefined;
  /** Whether an armed order still fits (ArmedCloses.usable). */
  readonly usable: (order: PreparedOrder, size: number, book: OrderBook | undefined) => boolean;
}

/** A close's result, and whether both legs are flat (the trade is over; pending fills may follow). */
export interface CloseDone {
  readonly report: CloseReport;
  readonly closed: boolean;
  readonly pendingFills: number;
}

export async function closeBothLegs(core: ExecutorCore, run: CloseRun, events: TradingEvent[]): Promise<CloseDone> {
  const { position, progress } = run;
  const armed = await sendArmed(core, run, events);
  const [long, short] = await Promise.all(LEG_KEYS.map((key) => closeLeg(core, run, key, armed[key], events)));
  const preparedUsed = long!.preparedUsed + short!.preparedUsed;
  const legs = { long: long!.report, short: short!.report };
  const { grossPnlUsd, feesUsd } = closeTotals(position, progress);
  if (legs.long.flat && legs.short.flat) {
    const pendingFills = unexplainedCloseFills(position, progress, { long: legs.long.fills, short: legs.short.fills }, sizeTolerance(position.size));
    core.journal.recordBestEffort({ kind: 'closed', pair: core.pair, time: core.now(), grossPnlUsd, feesUsd, ...(pendingFills.length > 0 ? { pendingFills } : {}) });
    core.haltOnJournalFailures(events);
    return { report: { ok: true, grossPnlUsd, feesUsd, legs, preparedUsed, events }, closed: true, pendingFills: pendingFills.length };
  }
  const reason = [legs.long, legs.short]
    .filter((r) => !r.flat)
    .map((r) => `${r.venue} ${r.symbol} not flat (${r.venueSize === undefined ? 'position unreadable' : `venue reports ${describeSize(r.venueSize)}`}): ${r.reason ?? 'unknown'}`)
    .join('; ');
  core.journal.recordBestEffort({ kind: 'close_failed', pair: core.pair, time: core.now(), reason });
  return { report: { ok: false, reason, grossPnlUsd, feesUsd, legs, preparedUsed, events }, closed: false, pendingFills: 0 };
}

/**
 * Armed orders go out first: their ids are already durable ('close_armed'), so the 'closing' fsync
 * is paid after they left. Anything signed from here on is sent after 'closing'.
 */
async function sendArmed(core: ExecutorCore, run: CloseRun, events: TradingEvent[]): Promise<Partial<Record<LegKey, InFlight>>> {
  const { position, progress, armed: set } = run;
  const startedAt = core.now();
  const armed: Partial<Record<LegKey, InFlight>> = {};
  for (const key of LEG_KEYS) {
    const order = set?.[key];
    const leg = legOf(position, key);
    const venue = core.venueById(leg.venue);
    const remaining = roundDecimals(position.size - progress[key].closedSize, 12);
    if (order === undefined || venue === undefined || !(remaining > 0)) continue;
    if (!run.usable(order, remaining, core.bookFor(leg.venue, run.books))) continue;
    armed[key] = core.orders.dispatchLogged(venue, order, events);
  }
  // The venue clients build both requests within the dispatch calls above (with an API key / JWT at
  // hand), but node's HTTP client writes them only once the socket is attached, in a nextTick after
  // this turn's code: an fsync here would sit between the exit and the orders' bytes. Nothing below depends on 'closing' being
  // on disk before that turn (a crash meanwhile leaves 'open' + armed ids, which restore() handles),
  // and every later journal write of this close comes after it.
  if (armed.long !== undefined || armed.short !== undefined) await afterPendingWrites();
  core.journal.recordBestEffort({
    kind: 'closing',
    pair: core.pair,
    time: startedAt,
    clientIds: { long: armed.long?.order.request.clientId ?? '', short: armed.short?.order.request.clientId ?? '' },
    ...lookupRefsOf(armed.long?.order, armed.short?.order),
  });
  return armed;
}

/** One leg's close as it goes: what is left by our count, what the venue said, and this call's fills. */
interface LegClose {
  readonly leg: PositionLeg;
  readonly venue: Venue;
  readonly spec: MarketSpec | undefined;
  readonly eps: number;
  readonly book: OrderBook | undefined;
  readonly progress: LegCloseProgress;
  readonly fills: LegFill[];
  remaining: number;
  attempts: number;
  preparedUsed: number;
  venueSize: number | undefined;
  flat: boolean;
  lastReason: string | undefined;
  settleChecks: number;
  closedNow: number;
  notionalNow: number;
  feesNow: number;
}

/**
 * Closes one leg with reduce-only orders until the venue's positions endpoint reads flat, or
 * retries run out. Remaining size = our fill count, capped by what the venue still holds, so a
 * lagging positions read never makes us send more than the leg holds.
 */
async function closeLeg(
  core: ExecutorCore,
  run: CloseRun,
  key: LegKey,
  armed: InFlight | undefined,
  events: TradingEvent[],
): Promise<{ report: CloseLegReport; preparedUsed: number }> {
  const leg = legOf(run.position, key);
  const venue = core.venueById(leg.venue);
  if (venue === undefined) {
    return { report: { ...idleLegReport(run.position, key, `venue ${leg.venue} is not configured`), fills: [] }, preparedUsed: 0 };
  }
  let spec: MarketSpec | undefined;
  try {
    spec = await venue.market(leg.symbol);
  } catch {
    spec = undefined;
  }
  const progress = run.progress[key];
  const state: LegClose = {
    leg,
    venue,
    spec,
    eps: (spec?.sizeIncrement ?? 1e-8) * 1e-6,
    book: core.bookFor(leg.venue, run.books),
    progress,
    fills: [],
    remaining: Math.max(0, roundDecimals(run.position.size - progress.closedSize, 12)),
    attempts: 0,
    preparedUsed: 0,
    venueSize: undefined,
    flat: false,
    lastReason: undefined,
    settleChecks: 0,
    closedNow: 0,
    notionalNow: 0,
    feesNow: 0,
  };
  for (let round = 0; round <= core.settings.closeRetries; round++) {
    if (round > 0) await core.orders.pause(core.orders.backoff(round - 1));
    const sendArmedNow = round === 0 && armed !== undefined;
    if (sendArmedNow || state.remaining > state.eps) await closeOrder(core, state, round, sendArmedNow ? armed : undefined, events);
    if ((await checkVenue(state)) === 'stop') break;
  }
  return { report: legReport(state), preparedUsed: state.preparedUsed };
}

/** Sends one close order of the leg (the armed one, or one signed now and journalled first) and credits its fill. */
async function closeOrder(core: ExecutorCore, s: LegClose, round: number, armed: InFlight | undefined, events: TradingEvent[]): Promise<void> {
  const { leg } = s;
  s.attempts++;
  const bookRef = closeReference(s.book, leg.closeSide, s.remaining);
  const ref = bookRef ?? leg.entryPrice;
  const slip = (bookRef !== undefined ? core.settings.slippagePct : core.settings.fallbackCloseSlippagePct) * (round + 1);
  let fill: LegFill;
  if (armed !== undefined) {
    s.preparedUsed++;
    fill = await core.orders.settle(s.venue, armed, ref, events, leg.usdcUsd);
  } else {
    const req = reduceOnlyOrder(core.newClientId(), leg.symbol, leg.closeSide, s.remaining, capPrice(ref, leg.closeSide, slip, s.spec?.tickSize ?? 0));
    // Durable before it is sent: a restart can then look it up if its fill never reaches the journal.
    fill = await core.orders.send(s.venue, req, ref, events, leg.usdcUsd, (order) =>
      core.journal.recordBestEffort({
        kind: 'close_order',
        pair: core.pair,
        time: core.now(),
        leg: leg.key,
        clientId: req.clientId,
        ...(order.lookupRef !== undefined ? { lookupRef: order.lookupRef } : {}),
      }),
    );
  }
  s.fills.push(fill);
  core.journal.recordBestEffort({ kind: 'leg_filled', pair: core.pair, time: core.now(), phase: 'close', leg: leg.key, fill });
  if (fill.reason !== undefined) s.lastReason = fill.reason;
  const price = creditCloseFill(s.progress, leg, fill, ref);
  if (price !== undefined) {
    s.closedNow += fill.filledSize;
    s.notionalNow += price * fill.filledSize;
    s.feesNow += fill.feeUsd;
    s.remaining = Math.max(0, roundDecimals(s.remaining - fill.filledSize, 12));
  }
}

/** Reads the venue's holding of the leg: flat ends the close, a flipped holding stops it, else the remaining size follows the venue. */
async function checkVenue(s: LegClose): Promise<'stop' | 'again'> {
  try {
    s.venueSize = await holdingOf(s.venue, s.leg.symbol);
  } catch (err) {
    s.lastReason = `positions unreadable: ${errorText(err)}`;
    return 'again';
  }
  if (Math.abs(s.venueSize) <= s.eps) {
    s.flat = true;
    return 'stop';
  }
  if (Math.sign(s.venueSize) !== s.leg.sign) {
    s.lastReason = `venue reports ${describeSize(s.venueSize)} where a ${s.leg.key} leg was expected; not trading against it`;
    return 'stop';
  }
  if (s.remaining <= s.eps) {
    // Our fills say closed but the venue still shows a holding: allow one read for settlement lag, then trust the venue.
    if (s.settleChecks++ >= 1) s.remaining = Math.abs(s.venueSize);
    s.lastReason ??= 'venue still reports a position after the closing fills';
  } else {
    s.remaining = Math.min(s.remaining, Math.abs(s.venueSize));
  }
  return 'again';
}

function legReport(s: LegClose): CloseLegReport {
  return {
    venue: s.leg.venue,
    symbol: s.leg.symbol,
    side: s.leg.closeSide,
    closedSize: roundDecimals(s.closedNow, 12),
    avgExitPrice: s.closedNow > 0 ? s.notionalNow / s.closedNow : undefined,
    feesUsd: s.feesNow,
    attempts: s.attempts,
    flat: s.flat,
    venueSize: s.venueSize,
    ...(s.flat ? {} : { reason: s.lastReason ?? `not flat after ${s.attempts} orders` }),
    fills: s.fills,
  };
}

/** A leg report for a close that sent nothing. */
export function idleLegReport(position: OpenPosition, key: LegKey, reason: string): CloseLegReport {
  const leg = legOf(position, key);
  return {
    venue: leg.venue,
    symbol: leg.symbol,
    side: leg.closeSide,
    closedSize: 0,
    avgExitPrice: undefined,
    feesUsd: 0,
    attempts: 0,
    flat: false,
    venueSize: undefined,
    reason,
    fills: [],
  };
}

/**
 * Resolves after what the current turn of the event loop has queued (promise jobs, nextTicks) has
 * run: a request handed to a warm keep-alive connection has then been written to its socket.
 */
function afterPendingWrites(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
