/**
 * The run-wide loss limit: realised net PnL (gross − fees + funding) summed over every pair, and the halt of new entries once it
 * reaches −maxLossUsd. One object per bot run, handed to each pair's streams (never threaded as loose state).
 */
import { type Observable, ReplaySubject } from 'rxjs';

export interface LossLimit {
  /** Adds a realised result (a closed round trip with its funding, or fills credited to one already closed). */
  record(grossPnlUsd: number, feesUsd: number, fundingUsd?: number): void;
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
    record(grossPnlUsd, feesUsd, fundingUsd = 0) {
      realisedNetUsd += grossPnlUsd - feesUsd + fundingUsd;
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
