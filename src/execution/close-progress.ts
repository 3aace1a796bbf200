/**
 * Close progress: how much of each leg a close has taken off, and the PnL and fees of those fills.
 * One fold serves both the live close (fill by fill) and a restart (the journal's close fills), so
 * the two can never count a trade differently. Pure.
 */
import { roundDecimals } from '../venues/decimal';
import { legOf, LEG_KEYS, positionKey, type LegKey, type PositionLeg } from './legs';
import type { PendingFill } from './journal';
import type { LegFill, OpenPosition } from './types';

/** One leg's progress. Mutable: the live close credits each fill as it arrives. */
export interface LegCloseProgress {
  closedSize: number;
  /** Gross PnL of the closing fills, USD. */
  pnlUsd: number;
  feesUsd: number;
}

export interface CloseProgress {
  /** Identifies the position (positionKey: its entry client ids). */
  readonly key: string;
  readonly long: LegCloseProgress;
  readonly short: LegCloseProgress;
}

/**
 * PnL of closing `size` of a leg at `exitPrice`, USD: + when a long sells above, or a short buys back below, its
 * entry. Prices are in the leg's quote currency; `usdPerQuote` (legs.ts `PositionLeg.usdPerQuote`) makes it USD.
 */
export function closePnlUsd(sign: 1 | -1, entryPrice: number, exitPrice: number, size: number, usdPerQuote = 1): number {
  return sign * (exitPrice - entryPrice) * size * usdPerQuote;
}

/**
 * Credits one closing fill to its leg's progress. A fill without a price counts at `fallbackPrice`
 * (the order's reference price live, the entry price on a restart). Returns the price counted, or
 * undefined when the fill filled nothing.
 */
export function creditCloseFill(progress: LegCloseProgress, leg: PositionLeg, fill: LegFill, fallbackPrice: number): number | undefined {
  if (!(fill.filledSize > 0)) return undefined;
  const price = fill.avgPrice ?? fallbackPrice;
  progress.closedSize = roundDecimals(progress.closedSize + fill.filledSize, 12);
  progress.pnlUsd += closePnlUsd(leg.sign, leg.entryPrice, price, fill.filledSize, leg.usdPerQuote);
  progress.feesUsd += fill.feeUsd;
  return price;
}

/** The progress the given close fills add up to (none: a fresh close). */
export function foldCloseFills(position: OpenPosition, closeFills: ReadonlyArray<{ readonly leg: LegKey; readonly fill: LegFill }> = []): CloseProgress {
  const fold = (key: LegKey): LegCloseProgress => {
    const leg = legOf(position, key);
    const p: LegCloseProgress = { closedSize: 0, pnlUsd: 0, feesUsd: 0 };
    for (const f of closeFills) if (f.leg === key) creditCloseFill(p, leg, f.fill, leg.entryPrice);
    return p;
  };
  return { key: positionKey(position), long: fold('long'), short: fold('short') };
}

/** What the trade made so far: gross PnL of the closing fills, and all fees (entry included). */
export function closeTotals(position: OpenPosition, progress: CloseProgress): { grossPnlUsd: number; feesUsd: number } {
  return {
    grossPnlUsd: progress.long.pnlUsd + progress.short.pnlUsd,
    feesUsd: position.entryFeesUsd + progress.long.feesUsd + progress.short.feesUsd,
  };
}

/** Size of the leg still open, by our fill count (the whole leg when `progress` is for another position). */
export function remainingSize(position: OpenPosition, progress: CloseProgress | undefined, leg: LegKey): number {
  const closed = progress?.key === positionKey(position) ? progress[leg].closedSize : 0;
  return roundDecimals(position.size - closed, 12);
}

/** True when both legs are closed by our fill count, within `tolerance`. */
export function bothLegsClosed(position: OpenPosition, closedSize: Readonly<Record<LegKey, number>>, tolerance: number): boolean {
  return LEG_KEYS.every((leg) => roundDecimals(position.size - closedSize[leg], 12) <= tolerance);
}

/**
 * A leg that reads flat although an order's outcome stayed unknown: that order filled what no
 * recorded fill explains. Each such order becomes a pending fill, looked up later (settleLateFills)
 * and credited to this trade then.
 */
export function unexplainedCloseFills(
  position: OpenPosition,
  progress: CloseProgress,
  fills: Readonly<Record<LegKey, readonly LegFill[]>>,
  tolerance: number,
): PendingFill[] {
  const pending: PendingFill[] = [];
  for (const key of LEG_KEYS) {
    const unexplained = roundDecimals(position.size - progress[key].closedSize, 12);
    if (!(unexplained > tolerance)) continue;
    const leg = legOf(position, key);
    for (const f of fills[key]) {
      if (!f.unresolved) continue;
      pending.push({
        trade: progress.key,
        leg: key,
        venue: f.venue,
        symbol: f.symbol,
        side: f.side,
        clientId: f.clientId,
        ...(f.lookupRef !== undefined ? { lookupRef: f.lookupRef } : {}),
        size: unexplained,
        entryPrice: leg.entryPrice,
        ...(leg.usdPerQuote !== 1 ? { usdPerQuote: leg.usdPerQuote } : {}),
        ...(leg.usdcUsd !== 1 ? { usdcUsd: leg.usdcUsd } : {}),
      });
    }
  }
  return pending;
}
