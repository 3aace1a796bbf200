/**
 * Funding on the simulated venues' positions, the way both venues account it: a position remembers the
 * cumulative index when it last changed; what it owes or earns since is −size × (index − that index)
 * (unsettled, shown in the positions view), and it is settled into the balance whenever the position
 * changes (a fill), after which the entry index moves to the current one. Pure bookkeeping, no clock.
 *
 * Each settlement of a held position is also kept as a payment (Paradex `GET /v1/funding/payments` rows), so
 * what the venues report is exactly what they charged. `settledUsd` is per position (Vest `settledFunding`):
 * it starts again at 0 when a position opens from flat.
 */
import { accruedFundingUsd } from '../domain/funding';

interface FundingEntry {
  /** Index when the position last changed (Vest `entryFunding`). */
  entryIndex: number;
  /** Funding settled into the balance so far, USD; positive = received (Vest `settledFunding`). */
  settledUsd: number;
}

/** One settlement of a held position's funding (openapi `responses.FundingPayment`, numbers unformatted). */
export interface SimFundingPayment {
  readonly account: string;
  readonly symbol: string;
  /** USD, positive = credited to the account. */
  readonly paymentUsd: number;
  /** The cumulative index it was settled at. */
  readonly index: number;
  readonly at: number;
  /** The fill that changed the position (and so settled its funding), when the caller knows it. */
  readonly fillId?: string;
}

export class SimFundingAccounts {
  private readonly entries = new Map<string, FundingEntry>();
  private readonly paid: SimFundingPayment[] = [];

  /**
   * A fill changed the position that held `sizeBefore` (signed): settles what it accrued at `indexNow`
   * and returns it (USD, positive = credit the balance).
   */
  settle(account: string, symbol: string, sizeBefore: number, indexNow: number, at?: { readonly time: number; readonly fillId?: string }): number {
    const e = this.entry(account, symbol, indexNow);
    const accrued = accruedFundingUsd(sizeBefore, e.entryIndex, indexNow);
    e.entryIndex = indexNow;
    // A position opened from flat is a new position: its settled funding starts from zero.
    if (sizeBefore === 0) e.settledUsd = 0;
    e.settledUsd += accrued;
    if (sizeBefore !== 0 && at !== undefined) {
      this.paid.push({ account, symbol, paymentUsd: accrued, index: indexNow, at: at.time, ...(at.fillId !== undefined ? { fillId: at.fillId } : {}) });
    }
    return accrued;
  }

  /** The account's funding payments, oldest first. */
  payments(account: string): readonly SimFundingPayment[] {
    return this.paid.filter((p) => p.account === account);
  }

  /** Accrued since the last change and not yet settled, USD (positive = receivable). */
  unsettledUsd(account: string, symbol: string, size: number, indexNow: number): number {
    const e = this.entries.get(key(account, symbol));
    return e === undefined ? 0 : accruedFundingUsd(size, e.entryIndex, indexNow);
  }

  entryIndex(account: string, symbol: string): number | undefined {
    return this.entries.get(key(account, symbol))?.entryIndex;
  }

  settledUsd(account: string, symbol: string): number {
    return this.entries.get(key(account, symbol))?.settledUsd ?? 0;
  }

  private entry(account: string, symbol: string, indexNow: number): FundingEntry {
    const k = key(account, symbol);
    let e = this.entries.get(k);
    if (!e) {
      e = { entryIndex: indexNow, settledUsd: 0 };
      this.entries.set(k, e);
    }
    return e;
  }
}

const key = (account: string, symbol: string): string => `${account}\u0000${symbol}`;
