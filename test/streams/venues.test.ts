/**
 * createVenues: every way of reaching the venues, built against the simulated venues over loopback (real
 * WebSocket and HTTP servers on port 0). Each test closes what it made, so jest exits on its own.
 */
import { filter, firstValueFrom, take, timeout } from 'rxjs';
import { venueSymbol, type VenueId } from '../../src/domain/market';
import { startSimVenues } from '../../src/sim/index';
import { newSimKeys } from '../../src/venues/sim-connect';
import type { Venue } from '../../src/venues/venue';
import { createVenues, type TradingVenues } from '../../streams/venues';
import { simAsLive } from '../support/sim-live';

const OPTIONS = { staleAfterMs: 5_000, paradexEncoding: 'json' as const };

/** The first non-empty book a venue's feed delivers for BTC. */
async function firstBook(venue: Venue): Promise<{ bid: number; ask: number }> {
  const feed = venue.bookFeed(venueSymbol(venue.id, 'BTC-PERP'));
  const b = await firstValueFrom(
    feed.book$.pipe(
      filter((x) => x.bids.length > 0 && x.asks.length > 0),
      take(1),
      timeout(10_000),
    ),
  );
  return { bid: b.bids[0]!.price, ask: b.asks[0]!.price };
}

async function booksFromBoth(made: TradingVenues): Promise<Record<VenueId, { bid: number; ask: number }>> {
  const [vest, paradex] = await Promise.all([firstBook(made.venues.vest), firstBook(made.venues.paradex)]);
  return { vest, paradex };
}

describe('createVenues', () => {
  it("sim: starts the simulated venues in-process and trades them with throwaway keys, closing both on close()", async () => {
    const made = await createVenues({ kind: 'sim', seed: 3, markets: ['BTC'] }, OPTIONS);
    try {
      expect(made.venues.vest.id).toBe('vest');
      expect(made.venues.paradex.id).toBe('paradex');
      const books = await booksFromBoth(made);
      for (const b of Object.values(books)) expect(b.bid).toBeLessThan(b.ask);
      // Keys are real: the simulated venues verify signatures before answering an account read.
      await expect(made.venues.vest.positions()).resolves.toEqual([]);
      await expect(made.venues.paradex.positions()).resolves.toEqual([]);
    } finally {
      await made.close();
    }
  });

  it('sim-running: reaches venues running elsewhere by URL, and leaves them running on close()', async () => {
    const sim = await startSimVenues({ seed: 5, markets: ['BTC'] });
    try {
      const made = await createVenues({ kind: 'sim-running', urls: sim, keys: newSimKeys() }, OPTIONS);
      await booksFromBoth(made);
      await made.close();
      // The venues still serve: a second bot can connect after the first one closed.
      const again = await createVenues({ kind: 'sim-running', urls: sim, keys: newSimKeys() }, OPTIONS);
      try {
        await booksFromBoth(again);
      } finally {
        await again.close();
      }
    } finally {
      await sim.close();
    }
  });

  it('live: signs with the account keys at the endpoints given (here the simulated venues)', async () => {
    const live = await simAsLive({ markets: ['BTC'] });
    try {
      const made = await createVenues({ kind: 'live', endpoints: live.endpoints, credentials: live.credentials }, OPTIONS);
      try {
        await booksFromBoth(made);
        await expect(made.venues.vest.positions()).resolves.toEqual([]);
        await expect(made.venues.paradex.positions()).resolves.toEqual([]);
      } finally {
        await made.close();
      }
    } finally {
      await live.sim.close();
    }
  });

  it('paper: reads the public feeds without keys, and nothing reaches the account at the venues', async () => {
    const live = await simAsLive({ markets: ['BTC'] });
    try {
      const made = await createVenues({ kind: 'paper', endpoints: live.endpoints }, OPTIONS);
      try {
        await booksFromBoth(made);
        await expect(made.venues.vest.positions()).resolves.toEqual([]);
      } finally {
        await made.close();
      }
      // Nothing reached the account at the venues.
      await expect(live.holdings()).resolves.toEqual([0, 0]);
    } finally {
      await live.sim.close();
    }
  });

});
