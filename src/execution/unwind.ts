/**
 * Unwinding an excess entry leg: reduce-only orders until it is gone or retries run out. Each retry
 * widens the cap (an unwind must get out) and trusts the venue's position over our fill count.
 */
import { events as ev, type TradingEvent } from '../domain/events';
import { usdPerQuoteUnit } from '../domain/market';
import { shortErrorText as errorText } from '../logging/redact';
import { roundDecimals } from '../venues/decimal';
import type { MarketSpec, Side, Venue } from '../venues/venue';
import type { ExecutorCore } from './core';
import type { UnwindReport } from './executor-api';
import type { LegKey } from './legs';
import { holdingOf } from './order-path';
import { capPrice, reduceOnlyOrder } from './orders';
import { withSign } from './reconcile';
import type { LegFill } from './types';

export interface UnwindPlan {
  readonly key: LegKey;
  readonly venue: Venue;
  readonly symbol: string;
  /** SELL reduces a long excess, BUY a short one. */
  readonly side: Side;
  /** Size to take off (> 0). */
  readonly excess: number;
  /** Size the leg keeps (the hedge): the venue's holding beyond it is the real excess. */
  readonly keep: number;
  /** Price the unwind trades at: the venue's bid when selling a long excess, its ask when buying back a short one. */
  readonly ref: number;
  readonly slippagePct: number;
  /** The leg's entry fill price (its average), against which the unwound size realises its price PnL; undefined: unknown. */
  readonly entryPrice: number | undefined;
  /** USD per USDC of the entry being concluded (a restart's: the one journalled with it): the unwind's PnL and fees use it. */
  readonly usdcUsd: number;
}

/**
 * The price PnL the unwind's fills realised against the leg's entry price, USD: selling a long excess gains what
 * its fills got above the entry, buying back a short excess what they paid below it (usually a loss: the spread
 * and the slippage crossed twice). Undefined when the entry price is unknown or a fill reported no price. Size
 * the venue's position shows unwound without a fill of ours (a lost reply) is not priced here: its fill, once
 * found by client id, is credited (FILL_CREDITED).
 */
export function unwindPnlUsd(side: Side, entryPrice: number | undefined, fills: readonly LegFill[], usdPerQuote = 1): number | undefined {
  if (entryPrice === undefined || !Number.isFinite(entryPrice)) return undefined;
  let pnl = 0;
  for (const f of fills) {
    if (f.filledSize <= 0) continue;
    if (f.avgPrice === undefined || f.priceEstimated) return undefined;
    pnl += (side === 'SELL' ? f.avgPrice - entryPrice : entryPrice - f.avgPrice) * f.filledSize;
  }
  return pnl * usdPerQuote;
}

interface UnwindProgress {
  remaining: number;
  unwoundSize: number;
  lastReason: string;
}

export async function unwindExcess(core: ExecutorCore, plan: UnwindPlan, events: TradingEvent[]): Promise<UnwindReport> {
  const { venue, symbol, side, excess } = plan;
  // As a holding: + = a long excess (sold), - = a short excess (bought back).
  const excessHolding = side === 'SELL' ? excess : -excess;
  const fills: LegFill[] = [];
  let spec: MarketSpec | undefined;
  try {
    spec = await venue.market(symbol);
  } catch {
    spec = undefined;
  }
  const eps = (spec?.sizeIncrement ?? 1e-8) * 1e-6;
  const progress: UnwindProgress = { remaining: excess, unwoundSize: 0, lastReason: '' };
  let attempts = 0;
  for (let attempt = 0; attempt <= core.settings.closeRetries && progress.remaining > eps; attempt++) {
    if (attempt > 0) await core.orders.pause(core.orders.backoff(attempt - 1));
    attempts++;
    const fill = await sendUnwindOrder(core, plan, progress.remaining, capPrice(plan.ref, side, plan.slippagePct * (attempt + 1), spec?.tickSize ?? 0), events);
    fills.push(fill);
    progress.unwoundSize = roundDecimals(progress.unwoundSize + fill.filledSize, 12);
    progress.remaining = roundDecimals(progress.remaining - fill.filledSize, 12);
    if (fill.reason !== undefined) progress.lastReason = fill.reason;
    if (progress.remaining > eps || fill.unresolved) await trustVenueHolding(plan, progress);
  }
  const ok = progress.remaining <= eps;
  const left = side === 'SELL' ? progress.remaining : -progress.remaining;
  const reason = ok ? 'unwound' : `${venue.id} ${symbol}: ${withSign(left)} still to unwind after ${attempts} orders (${progress.lastReason})`;
  const { unwoundSize } = progress;
  const grossPnlUsd = unwindPnlUsd(side, plan.entryPrice, fills, usdPerQuoteUnit(venue.id, plan.usdcUsd));
  const report: UnwindReport = { venue: venue.id, symbol, size: excessHolding, unwoundSize, ok, attempts, reason, fills, ...(grossPnlUsd !== undefined ? { grossPnlUsd } : {}) };
  core.journal.recordBestEffort({ kind: 'unwound', pair: core.pair, time: core.now(), venue: venue.id, symbol, size: excessHolding, unwoundSize, ok, reason });
  events.push(ev.legUnwound(core.now(), { pair: core.pair, venue: venue.id, size: excessHolding, ok, reason, ...(grossPnlUsd !== undefined ? { grossPnlUsd } : {}) }));
  return report;
}

/** One reduce-only unwind order, journalled before it is sent (a restart mid-unwind finds it and credits its fill). */
async function sendUnwindOrder(core: ExecutorCore, plan: UnwindPlan, size: number, cap: number, events: TradingEvent[]): Promise<LegFill> {
  const { key, venue, symbol, side } = plan;
  const req = reduceOnlyOrder(core.newClientId(), symbol, side, size, cap);
  const fill = await core.orders.send(venue, req, plan.ref, events, plan.usdcUsd, (order) =>
    core.journal.recordBestEffort({
      kind: 'unwind_order',
      pair: core.pair,
      time: core.now(),
      leg: key,
      venue: venue.id,
      symbol,
      side,
      clientId: req.clientId,
      size: req.size,
      ...(order.lookupRef !== undefined ? { lookupRef: order.lookupRef } : {}),
    }),
  );
  core.journal.recordBestEffort({ kind: 'leg_filled', pair: core.pair, time: core.now(), phase: 'unwind', leg: key, fill });
  return fill;
}

/** The venue's position is the truth: a lost reply or a reduce-only rejection may mean the unwind is already done. */
async function trustVenueHolding(plan: UnwindPlan, progress: UnwindProgress): Promise<void> {
  try {
    const holding = Math.abs(await holdingOf(plan.venue, plan.symbol));
    const actualExcess = Math.max(0, roundDecimals(holding - plan.keep, 12));
    if (actualExcess < progress.remaining) {
      progress.unwoundSize = roundDecimals(progress.unwoundSize + (progress.remaining - actualExcess), 12);
      progress.remaining = actualExcess;
    }
  } catch (err) {
    progress.lastReason = `${progress.lastReason}; positions unreadable: ${errorText(err)}`;
  }
}
