/**
 * `npm start -- positions` end to end: a real child process, against running simulated venues (real servers, real
 * signatures) holding a position the bot itself opened and journaled. Agreement exits 0 with both legs shown;
 * a leg closed behind the bot's back exits 2 naming the venue, the journal's size and the venue's.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openJournal } from '../../../src/execution/journal';
import type { SimVenues } from '../../../src/sim/index';
import { createSimVenueClients } from '../../../src/venues/sim-connect';
import { cli, heldPosition } from './sim-held-position';

describe('npm start -- positions against running simulated venues', () => {
  let dir: string;
  let sim: SimVenues | undefined;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'arb-positions-'));
  });
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('agrees with a position the bot opened (exit 0, both legs), then names the leg closed at the venue (exit 2)', async () => {
    // A hedged position the bot opened (long Vest, short Paradex), left open and journalled.
    const held = await heldPosition(dir, (started) => (sim = started));
    const { journalDir, keys } = held;
    const venuesSim = held.sim;

    // What the venues hold, read as a client with the bot's keys: a hedged pair, long Vest, short Paradex.
    const clients = createSimVenueClients(venuesSim, keys);
    try {
      const [vestHeld] = await clients.vest.positions();
      const [paradexHeld] = await clients.paradex.positions();
      expect(vestHeld).toMatchObject({ symbol: 'BTC-PERP' });
      expect(paradexHeld).toMatchObject({ symbol: 'BTC-USD-PERP' });
      const size = vestHeld!.size;
      expect(size).toBeGreaterThan(0);
      expect(paradexHeld!.size).toBeCloseTo(-size, 12);
      const journal = openJournal(path.join(journalDir, 'btc_vest_paradex.ndjson'));
      expect(journal.lastState('BTC-PERP').phase).toBe('open');
      journal.close();

      const venues = JSON.stringify({ paradex: venuesSim.paradex, vest: venuesSim.vest });
      const agree = await cli(['positions', '--venues', venues, '--journal-dir', journalDir], dir);
      expect(agree.stderr).toBe('');
      expect(agree.code).toBe(0);
      expect(agree.stdout).toContain(`positions: journals in ${journalDir} against both venues`);
      expect(agree.stdout).toContain(`BTC-PERP: ok: vest BTC-PERP long ${size}, paradex BTC-USD-PERP short ${size} (journal open)`);
      expect(agree.stdout).not.toContain('MISMATCH');
      // No key reaches the output.
      expect(agree.stdout).not.toContain(keys.paradex.privateKey.slice(2, 22));
      expect(agree.stdout).not.toContain(keys.vest.signingKey.slice(2, 22));

      // Someone closes the Vest leg by hand: the journal still says open, the venues hold one naked leg.
      const book = venuesSim.market.book('vest', 'BTC-PERP')!;
      const closed = await clients.vest.placeOrder({
        clientId: 'by-hand-1',
        symbol: 'BTC-PERP',
        side: 'SELL',
        type: 'MARKET',
        size,
        price: book.bids[0]!.price * 0.99,
        timeInForce: 'IOC',
        reduceOnly: true,
      });
      expect(closed).toMatchObject({ ok: true, filledSize: size });
      await expect(clients.vest.positions()).resolves.toEqual([]);

      const differ = await cli(['--journal-dir', journalDir, 'positions', '--venues', venues], dir);
      expect(differ.code).toBe(2);
      // A disagreement is reported on stderr (main.ts venueCommand: stdout only when all agree).
      expect(differ.stdout).toBe('');
      expect(differ.stderr).toContain('BTC-PERP: MISMATCH (journal open):');
      expect(differ.stderr).toContain(`vest BTC-PERP: journal expects long ${size}, venue reports flat`);
      expect(differ.stderr).not.toContain('paradex BTC-USD-PERP: journal expects'); // the Paradex leg still agrees
      expect(differ.stderr).toContain('`npm start -- resume --pair <pair>`');
      expect(differ.stdout + differ.stderr).not.toMatch(/^\s+at .+[:(]/m);
    } finally {
      await Promise.all([clients.vest.close(), clients.paradex.close()]);
    }
  }, 120_000);
});
