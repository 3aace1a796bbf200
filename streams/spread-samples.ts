/**
 * SPREAD_MONITORING samples for the status line and the report's charts: every spread at the position size
 * (the VWAP the bot decides on, so samples and decision ticks are one series), and the monitored position
 * marked to the books (unrealised PnL).
 */
import { map, type Observable, sampleTime } from 'rxjs';
import { events, type PositionMarkSample, type TradingEvent } from '../src/domain/events';
import { type MarketTick, usdPerQuoteUnit } from '../src/domain/market';
import { type LegUsdRates, markPosition } from '../src/domain/pnl';
import { entrySpread, exitSpread, netEntrySpread, quotesOf, type TakerFees } from '../src/domain/spread';
import type { PairContext } from './pair-context';
import type { OpenedPosition } from './pair-executor';

export function spreadSamples$(ctx: PairContext): Observable<TradingEvent> {
  const { pair, settings, fees, monitored } = ctx;
  return ctx.ticks$.pipe(
    sampleTime(settings.spreadSampleMs, ctx.scheduler),
    map((tick) => spreadSample(pair.pair, tick, fees, monitored.value, pair.positionSize, markRates(ctx, monitored.value))),
  );
}

/** The mark's USD factors: the monitored position's own USDC/USD (a restored one keeps the rate it opened at), not the run's. */
function markRates(ctx: PairContext, position: OpenedPosition | undefined): LegUsdRates {
  if (position === undefined) return ctx.usdPerQuote;
  const usdcUsd = position.usdcUsd ?? 1;
  return { a: usdPerQuoteUnit(ctx.pair.dexA, usdcUsd), b: usdPerQuoteUnit(ctx.pair.dexB, usdcUsd) };
}

type SpreadFigures = 'entryAOverB' | 'entryBOverA' | 'netEntryAOverB' | 'netEntryBOverA' | 'exitAOverB' | 'exitBOverA';

/** Spreads at the position size (the VWAP the bot decides on), so samples and decision ticks are one series. */
export function spreadSample(pair: string, tick: MarketTick, fees: TakerFees, position: OpenedPosition | undefined, size: number, usdPerQuote?: LegUsdRates): TradingEvent {
  const q = quotesOf(tick.a, tick.b, size, tick.bToA);
  const sample: { -readonly [K in SpreadFigures]?: number } = {};
  const eAB = entrySpread('AOverB', q);
  const eBA = entrySpread('BOverA', q);
  const xAB = exitSpread('AOverB', q);
  const xBA = exitSpread('BOverA', q);
  if (eAB !== undefined) {
    sample.entryAOverB = eAB;
    sample.netEntryAOverB = netEntrySpread(eAB, fees);
  }
  if (eBA !== undefined) {
    sample.entryBOverA = eBA;
    sample.netEntryBOverA = netEntrySpread(eBA, fees);
  }
  if (xAB !== undefined) sample.exitAOverB = xAB;
  if (xBA !== undefined) sample.exitBOverA = xBA;
  const mark = position === undefined ? undefined : positionMark(position, tick, fees, usdPerQuote);
  return events.spreadMonitoring(tick.time, {
    pair,
    ...sample,
    bookAgeAMs: tick.time - tick.a.receivedAt,
    bookAgeBMs: tick.time - tick.b.receivedAt,
    ...(mark !== undefined ? { position: mark } : {}),
  });
}

function positionMark(position: OpenedPosition, tick: MarketTick, fees: TakerFees, usdPerQuote: LegUsdRates | undefined): PositionMarkSample | undefined {
  const { longEntryPrice, shortEntryPrice } = position;
  if (longEntryPrice === undefined || shortEntryPrice === undefined) return undefined;
  const entry = { direction: position.direction, size: position.size, longEntryPrice, shortEntryPrice };
  const mark = markPosition(entry, tick, fees, usdPerQuote);
  return mark === undefined ? undefined : { ...entry, entrySpread: position.entrySpread, ...mark };
}
