/**
 * The run-wide loss limit: the run's realised net PnL (gross − fees + funding) summed over every pair, and the halt
 * of new entries once it reaches −maxLossUsd. One object per bot run, handed to each pair's streams (never threaded
 * as loose state).
 *
 * It counts the run's events as they are emitted, with the rule the run summary's `netPnlUsd` follows
 * (domain/pnl.ts realisedNetDeltaUsd): every fee paid (a failed entry's and an unwind's too, not only a round
 * trip's), the price PnL of closes and of unwound entry legs, funding realised at the close, fills credited after
 * the fact. So the limit halts on the very figure the status line, the summary and the report show.
 */
import { type MonoTypeOperatorFunction, Observable, ReplaySubject } from 'rxjs';
import type { TradingEvent } from '../src/domain/events';
import { realisedNetDeltaUsd } from '../src/domain/pnl';

export interface LossLimit {
  /** Counts an event of the run (most count nothing: only fees, closes, unwinds and credited fills move the figure). */
  observe(e: TradingEvent): void;
  /** True once the limit was reached: no new entries for the rest of the run. */
  readonly halted: boolean;
  /** Realised net PnL of the run so far (gross − fees + funding), USD. */
  readonly realisedNetUsd: number;
  /** The limit, USD (undefined: none). */
  readonly maxLossUsd: number | undefined;
  /** Emits the realised net PnL once, when the limit is reached (replayed to late subscribers). */
  readonly reached$: Observable<number>;
  /** Ends `reached$` (the run is over). */
  close(): void;
}

export function lossLimit(maxLossUsd: number | undefined): LossLimit {
  const reached = new ReplaySubject<number>(1);
  let realisedNetUsd = 0;
  let halted = false;
  return {
    observe(e) {
      const delta = realisedNetDeltaUsd(e);
      if (delta === 0) return;
      realisedNetUsd += delta;
      if (maxLossUsd !== undefined && realisedNetUsd <= -maxLossUsd && !halted) {
        halted = true;
        reached.next(realisedNetUsd);
      }
    },
    get halted() {
      return halted;
    },
    get realisedNetUsd() {
      return realisedNetUsd;
    },
    maxLossUsd,
    reached$: reached.asObservable(),
    close: () => reached.complete(),
  };
}

/**
 * Passes every event on, then counts it in `limit`: downstream sees the event that reached the limit before the
 * halt it causes (a `tap` would count first, and the TRADING_HALTED emitted on reaching the limit would overtake
 * the POSITION_CLOSED that caused it in the run's log).
 */
export function countedIn(limit: LossLimit): MonoTypeOperatorFunction<TradingEvent> {
  return (source) =>
    new Observable<TradingEvent>((subscriber) =>
      source.subscribe({
        next: (e) => {
          subscriber.next(e);
          limit.observe(e);
        },
        error: (err: unknown) => subscriber.error(err),
        complete: () => subscriber.complete(),
      }),
    );
}
