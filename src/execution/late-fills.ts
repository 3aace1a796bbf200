/**
 * Late fills: a close order whose outcome stayed unknown although its leg read flat filled what no
 * recorded fill explains. Its trade was reported closed without it; the order is looked up later,
 * with a doubling delay between empty passes, and its PnL and fee are credited to that trade.
 */
import { events as ev, type TradingEvent } from '../domain/events';
import type { OrderOutcome } from '../venues/venue';
import { roundDecimals } from '../venues/decimal';
import { closePnlUsd } from './close-progress';
import { outcomeFeeUsd } from './order-path';
import { LATE_FILL_RETRY, type ExecutorCore } from './core';
import type { LateFillsResult } from './executor-api';
import type { PendingFill } from './journal';
import { legSign } from './legs';
import type { LegFill } from './types';

/** When the next pass may run, and how many passes in a row came back with orders still missing. */
export class LateFillSchedule {
  private dueAt = 0;
  private misses = 0;

  /** A close left pending fills: look them up at the next pass. */
  reset(now: number): void {
    this.dueAt = now;
    this.misses = 0;
  }

  due(now: number): boolean {
    return now >= this.dueAt;
  }

  missed(now: number): void {
    this.misses++;
    this.dueAt = now + Math.min(LATE_FILL_RETRY.maxMs, LATE_FILL_RETRY.firstMs * 2 ** (this.misses - 1));
  }
}

/** What a late fill found for a pending order credits to its trade. Pure. */
export function lateFillCredit(
  pending: PendingFill,
  remainingSize: number,
  outcome: OrderOutcome,
): { fill: LegFill; grossPnlUsd: number; feesUsd: number; reason: string } {
  const filledSize = outcome.ok ? roundDecimals(Math.min(outcome.filledSize, remainingSize), 12) : 0;
  const avgPrice = outcome.ok && filledSize > 0 ? (outcome.avgPrice ?? pending.entryPrice) : undefined;
  const grossPnlUsd = avgPrice === undefined ? 0 : closePnlUsd(legSign(pending.leg), pending.entryPrice, avgPrice, filledSize, pending.usdPerQuote ?? 1);
  const feesUsd = outcome.ok ? outcomeFeeUsd(outcome, pending.usdcUsd ?? 1) : 0;
  const fill: LegFill = {
    venue: pending.venue,
    symbol: pending.symbol,
    side: pending.side,
    clientId: pending.clientId,
    requestedSize: remainingSize,
    filledSize,
    avgPrice,
    feeUsd: feesUsd,
    ...(pending.lookupRef !== undefined ? { lookupRef: pending.lookupRef } : {}),
    ...(outcome.ok && outcome.avgPrice === undefined && filledSize > 0 ? { priceEstimated: true } : {}),
  };
  const reason = filledSize > 0 ? 'close fill found after its trade was reported closed; credited to that trade' : 'the order filled nothing';
  return { fill, grossPnlUsd, feesUsd, reason };
}

export async function settleLateFills(core: ExecutorCore, schedule: LateFillSchedule): Promise<LateFillsResult> {
  const pending = core.journal.lastState(core.pair).pendingFills;
  const result = { events: [] as TradingEvent[], creditedPnlUsd: 0, creditedFeesUsd: 0, pending: pending.length };
  if (pending.length === 0 || !schedule.due(core.now())) return result;
  let missed = false;
  for (const p of pending) {
    const venue = core.venueById(p.venue);
    if (venue === undefined) continue;
    // Another order of the same leg may have been credited in this pass: use the latest remaining size.
    const current = core.journal.lastState(core.pair).pendingFills.find((f) => f.clientId === p.clientId);
    if (current === undefined) continue;
    const looked = await core.orders.lookUp(venue, p.symbol, p.clientId, p.lookupRef);
    if (!looked.ok || looked.outcome === undefined) {
      missed = true;
      continue;
    }
    const { fill, grossPnlUsd, feesUsd, reason } = lateFillCredit(p, current.size, looked.outcome);
    const time = core.now();
    core.journal.recordBestEffort({ kind: 'fill_credited', pair: core.pair, time, trade: p.trade, leg: p.leg, fill, grossPnlUsd, feesUsd, reason });
    result.events.push(
      ev.fillCredited(time, {
        pair: core.pair,
        venue: p.venue,
        clientId: p.clientId,
        phase: 'close',
        filledSize: fill.filledSize,
        ...(fill.avgPrice !== undefined ? { avgPrice: fill.avgPrice } : {}),
        feeUsd: feesUsd,
        creditedPnlUsd: grossPnlUsd,
        creditedFeesUsd: feesUsd,
        reason,
      }),
    );
    result.creditedPnlUsd += grossPnlUsd;
    result.creditedFeesUsd += feesUsd;
  }
  const left = core.journal.lastState(core.pair).pendingFills.length;
  if (missed && left > 0) schedule.missed(core.now());
  return { ...result, pending: left };
}
