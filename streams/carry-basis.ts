import { combineLatest, map, type Observable, startWith } from 'rxjs';
import type { CarryBasis, ExpectedHold } from '../src/domain/carry';
import type { FundingRates, PairFunding } from '../src/domain/funding';

/**
 * What an entry counts for carry, as it changes: both venues' latest hourly rates (undefined until the first
 * funding arrives) and the hold entries assume. Emits at once (no rates yet), then on every change of either.
 */
export function carryBasis$(funding$: Observable<PairFunding>, hold$: Observable<ExpectedHold>): Observable<CarryBasis> {
  const rates$ = funding$.pipe(
    map((f): FundingRates | undefined => ({ a: f.a.ratePerHour, b: f.b.ratePerHour })),
    startWith(undefined),
  );
  return combineLatest([rates$, hold$]).pipe(map(([rates, hold]) => ({ rates, hold })));
}
