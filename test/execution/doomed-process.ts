/**
 * A process that dies like kill -9 at a chosen order: `killAt` decides per order whether the process
 * dies just before the order leaves, or just after it left (the venue executes it; no reply to this
 * order or to any other is seen any more). From then on its venue clients never answer and never reach a venue again, and its
 * journal writes nothing more: the venues and the journal file hold what a real crash would leave.
 */
import type { Journal } from '../../src/execution/journal';
import type { OrderOutcome, PreparedOrder, Venue } from '../../src/venues/venue';

export type KillMoment = 'before' | 'after';

export interface DoomedProcess {
  readonly venues: { readonly a: Venue; readonly b: Venue };
  readonly journal: Journal;
  /** Resolves when the process died. */
  readonly died: Promise<void>;
}

export function doomedProcess(
  venues: { readonly a: Venue; readonly b: Venue },
  journal: Journal,
  killAt: (venue: Venue, order: PreparedOrder) => KillMoment | undefined,
): DoomedProcess {
  let dead = false;
  let onDeath: () => void = () => undefined;
  const died = new Promise<void>((resolve) => (onDeath = resolve));
  const never = <T>(): Promise<T> => new Promise<T>(() => undefined);
  const kill = (): void => {
    dead = true;
    onDeath();
  };
  const client = (v: Venue): Venue => ({
    id: v.id,
    symbolFor: (pair) => v.symbolFor(pair),
    bookFeed: (symbol) => v.bookFeed(symbol),
    market: (symbol) => (dead ? never() : v.market(symbol)),
    prepareOrder: (req) => (dead ? never() : v.prepareOrder(req)),
    submitOrder: (order): Promise<OrderOutcome> => {
      if (dead) return never();
      const moment = killAt(v, order);
      if (moment === 'before') {
        kill();
        return never();
      }
      if (moment === 'after') {
        // The order is on its way and the venue executes it; the process is gone before any reply.
        v.submitOrder(order).catch(() => undefined);
        kill();
        return never();
      }
      return v.submitOrder(order);
    },
    placeOrder: (req) => (dead ? never() : v.placeOrder(req)),
    orderByClientId: (symbol, clientId, ref) => (dead ? never() : v.orderByClientId(symbol, clientId, ref)),
    positions: () => (dead ? never() : v.positions()),
    availableMarginUsd: () => (dead ? never() : v.availableMarginUsd()),
    close: () => Promise.resolve(),
  });
  const deadJournal: Journal = {
    get path() {
      return journal.path;
    },
    get corruptLines() {
      return journal.corruptLines;
    },
    get problems() {
      return journal.problems;
    },
    get durable() {
      return journal.durable;
    },
    append: (entry) => {
      if (!dead) journal.append(entry);
    },
    entries: (pair) => journal.entries(pair),
    lastState: (pair) => journal.lastState(pair),
    retainedEntries: () => journal.retainedEntries(),
    refresh: () => [],
    close: () => undefined,
  };
  return { venues: { a: client(venues.a), b: client(venues.b) }, journal: deadJournal, died };
}
