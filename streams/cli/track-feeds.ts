/**
 * The run's venues, with every book feed they open reported (venue, symbol, live counters), so the API's
 * metrics can read frames, decode errors, resyncs, reconnects and lag without touching the feeds' code.
 */
import type { VenueId } from '../../src/domain/market';
import type { TrackedFeed } from '../../src/ops/state';
import type { Venue } from '../../src/venues/venue';

export function trackFeeds<V extends Readonly<Record<VenueId, Venue>>>(venues: V, onFeed: (feed: TrackedFeed) => void): V {
  const tracked = {} as Record<VenueId, Venue>;
  for (const id of Object.keys(venues) as VenueId[]) {
    const venue = venues[id];
    tracked[id] = new Proxy(venue, {
      get(target, prop) {
        if (prop === 'bookFeed') {
          return (symbol: string) => {
            const feed = target.bookFeed(symbol);
            onFeed({ venue: target.id, symbol, stats: feed.stats });
            return feed;
          };
        }
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
  }
  return tracked as V;
}
