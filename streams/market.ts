import { asyncScheduler, combineLatest, endWith, map, type Observable, type SchedulerLike, sampleTime, takeWhile } from 'rxjs';
import type { MarketTick } from '../src/domain/market';
import { bookAgeMs, isCrossed, type OrderBook } from '../src/domain/order-book';
import { fitsTimer, MAX_TIMER_MS } from '../src/domain/durations';

export interface MarketTicksOptions {
  /** Sampling period, ms: each window emits only its latest pair of books. 0 = every update, no sampling. */
  sampleMs: number;
  /** Time source for sampling and for `MarketTick.time`. */
  scheduler?: SchedulerLike;
  /**
   * B's prices in A's unit (src/domain/market.ts `bInAUnits`), set on every tick when not 1: the one place the
   * run's USDC/USD rate enters the spread math. Default 1.
   */
  bToA?: number;
}

const FEED_ENDED = Symbol('feed ended');

/**
 * Both venues' books as one stream of ticks (A = dex_a, B = dex_b), `time` = scheduler time of emission.
 *
 * - Nothing is emitted until both books have arrived.
 * - With `sampleMs > 0`, each window emits its latest pair once; a window without updates emits nothing.
 * - Errors from either feed propagate.
 * - Completes as soon as either feed completes (once the other has emitted): unlike plain combineLatest,
 *   which would keep pairing live updates with a dead feed's last book. A pair still waiting in the current
 *   sampling window is dropped at completion.
 */
export function marketTicks(
  a$: Observable<OrderBook>,
  b$: Observable<OrderBook>,
  { sampleMs, scheduler = asyncScheduler, bToA = 1 }: MarketTicksOptions,
): Observable<MarketTick> {
  // sampleTime runs on a timer: beyond MAX_TIMER_MS Node would sample every millisecond.
  if (!fitsTimer(sampleMs)) {
    throw new RangeError(`marketTicks: sampleMs must be a finite number from 0 to ${MAX_TIMER_MS}, got ${sampleMs}`);
  }
  const books$ = combineLatest([a$.pipe(endWith(FEED_ENDED)), b$.pipe(endWith(FEED_ENDED))]).pipe(
    takeWhile((pair): pair is [OrderBook, OrderBook] => pair[0] !== FEED_ENDED && pair[1] !== FEED_ENDED),
  );
  if (!(bToA > 0) || !Number.isFinite(bToA)) throw new RangeError(`marketTicks: bToA must be a finite number > 0, got ${bToA}`);
  const sampled$ = sampleMs > 0 ? books$.pipe(sampleTime(sampleMs, scheduler)) : books$;
  return bToA === 1
    ? sampled$.pipe(map(([a, b]): MarketTick => ({ a, b, time: scheduler.now() })))
    : sampled$.pipe(map(([a, b]): MarketTick => ({ a, b, time: scheduler.now(), bToA })));
}

/**
 * Whether a tick's books may be traded on at `now`: neither is flagged stale by its feed, neither is
 * crossed (a crossed book is a broken feed and shows phantom spreads), and, with `maxBookAgeMs`, neither
 * was received longer ago than that. Shared by the entry signal and the exit monitor.
 */
export function isTradableTick(tick: MarketTick, now: number, maxBookAgeMs?: number): boolean {
  return isUsableBook(tick.a, now, maxBookAgeMs) && isUsableBook(tick.b, now, maxBookAgeMs);
}

// A module-level function, not a closure per call: this runs on every tick of every monitor.
function isUsableBook(book: OrderBook, now: number, maxBookAgeMs: number | undefined): boolean {
  return book.stale !== true && !isCrossed(book) && (maxBookAgeMs === undefined || bookAgeMs(book, now) <= maxBookAgeMs);
}
