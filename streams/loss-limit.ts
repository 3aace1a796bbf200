/**
 * The loss limit: the realised net PnL (gross − fees + funding) summed over every pair, and the halt of new entries
 * once it reaches −maxLossUsd. One object per bot run, handed to each pair's streams (never threaded as loose state).
 *
 * It counts the run's events as they are emitted, with the rule the run summary's `netPnlUsd` follows
 * (domain/pnl.ts realisedNetDeltaUsd): every fee paid (a failed entry's and an unwind's too, not only a round
 * trip's), the price PnL of closes and of unwound entry legs, funding realised at the close, fills credited after
 * the fact. So the limit halts on the very figure the status line, the summary and the report show.
 *
 * The budget is the journals', not the process's: each pair `attach`es what its journal says was counted since its
 * budget began (earlier runs), and journals each event it counts (`record`), so a restart or a crash loop goes on
 * from the figure it stopped at. Only an operator's `resume --reset-loss-budget` starts a pair's budget again.
 */
import { type MonoTypeOperatorFunction, Observable, ReplaySubject } from 'rxjs';
import type { TradingEvent } from '../src/domain/events';
import { realisedNetDeltaUsd } from '../src/domain/pnl';

/** What a pair's journal holds of the budget, and how to add to it. */
export interface PairLossBook {
  /** Realised net its journal counted before this run, since `since` (ms; absent: nothing counted yet). */
  readonly onRecord: { readonly netUsd: number; readonly since?: number };
  /** Journals one counted event of the pair (its type and what it added). */
  record(event: string, deltaUsd: number): void;
}

export interface LossLimit {
  /** Counts an event of the run (most count nothing: only fees, closes, unwinds and credited fills move the figure). */
  observe(e: TradingEvent): void;
  /** Adds a pair's budget on record (earlier runs) and journals the pair's counted events from now on. */
  attach(pair: string, book: PairLossBook): void;
  /** True once the limit was reached: no new entries for the rest of the run. */
  readonly halted: boolean;
  /** Realised net PnL of this run so far (gross − fees + funding), USD: what the run summary shows. */
  readonly realisedNetUsd: number;
  /** Realised net PnL the pairs' journals had counted before this run, USD. */
  readonly carriedUsd: number;
  /** What the limit compares with −maxLossUsd: carriedUsd + realisedNetUsd. */
  readonly budgetNetUsd: number;
  /** The limit, USD (undefined: none). */
  readonly maxLossUsd: number | undefined;
  /** Emits the budget's net (budgetNetUsd) once, when the limit is reached (replayed to late subscribers). */
  readonly reached$: Observable<number>;
  /** Ends `reached$` (the run is over). */
  close(): void;
}

export function lossLimit(maxLossUsd: number | undefined): LossLimit {
  const reached = new ReplaySubject<number>(1);
  const books = new Map<string, PairLossBook>();
  let realisedNetUsd = 0;
  let carriedUsd = 0;
  let halted = false;
  const check = (): void => {
    if (maxLossUsd !== undefined && carriedUsd + realisedNetUsd <= -maxLossUsd && !halted) {
      halted = true;
      reached.next(carriedUsd + realisedNetUsd);
    }
  };
  return {
    observe(e) {
      const delta = realisedNetDeltaUsd(e);
      if (delta === 0) return;
      realisedNetUsd += delta;
      if ('pair' in e) books.get(e.pair)?.record(e.type, delta);
      check();
    },
    attach(pair, book) {
      if (books.has(pair)) return;
      books.set(pair, book);
      carriedUsd += book.onRecord.netUsd;
      check();
    },
    get halted() {
      return halted;
    },
    get realisedNetUsd() {
      return realisedNetUsd;
    },
    get carriedUsd() {
      return carriedUsd;
    },
    get budgetNetUsd() {
      return carriedUsd + realisedNetUsd;
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
