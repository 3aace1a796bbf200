/**
 * pairFunding: a pair's two venues' funding feeds as one stream of `PairFunding` (A = the pair's dex_a,
 * B = its dex_b), emitting once both venues have spoken and then on every update of either. A venue that
 * has not answered yet holds the pair back: half a pair's funding is no funding figure at all.
 */
import { combineLatest, map, type Observable } from 'rxjs';
import type { FundingSnapshot, PairFunding } from '../src/domain/funding';

export function pairFunding(a$: Observable<FundingSnapshot>, b$: Observable<FundingSnapshot>): Observable<PairFunding> {
  return combineLatest([a$, b$]).pipe(map(([a, b]): PairFunding => ({ a, b })));
}
