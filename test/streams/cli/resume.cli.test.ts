/**
 * `npm start -- resume --pair P --accept-flat` end to end: a real child process, against running simulated venues
 * (real servers, real signatures) holding a position the bot itself opened and journalled. While the venues hold
 * the legs it refuses (exit 2, saying why) and the journal keeps the position; once both legs are closed by hand at
 * the venues it accepts (exit 0): the journal gets `closed_outside` with its PnL unknown, and `halts` shows the
 * pair flat with that close counted as one of unknown PnL. And `resume` on a spent loss budget: refused (exit 2)
 * until `--reset-loss-budget` (exit 0), after which `halts` shows the budget counting from $0.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultConfig } from '../../../src/config';
import { openJournal } from '../../../src/execution/journal';
import { startSimVenues, type SimVenues } from '../../../src/sim/index';
import { createSimVenueClients, loadOrCreateSimKeys } from '../../../src/venues/sim-connect';
import { cli, heldPosition } from './sim-held-position';

describe('npm start -- resume --accept-flat and --reset-loss-budget against running simulated venues', () => {
  let dir: string;
  let sim: SimVenues | undefined;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'arb-resume-cli-'));
  });
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('refuses while the venues hold the legs (exit 2), accepts once both are closed by hand (exit 0, closed_outside, shown by halts)', async () => {
    // A hedged position the bot opened (long Vest, short Paradex), left open and journalled.
    const held = await heldPosition(dir, (started) => (sim = started));
    const { journalDir, journalPath, keys } = held;
    const venuesSim = held.sim;
    const phase = () => {
      const journal = openJournal(journalPath);
      try {
        return journal.lastState('BTC-PERP').phase;
      } finally {
        journal.close();
      }
    };
    expect(phase()).toBe('open');

    const venues = JSON.stringify({ paradex: venuesSim.paradex, vest: venuesSim.vest });
    const acceptFlat = () => cli(['resume', '--pair', 'BTC-PERP', '--accept-flat', '--venues', venues, '--journal-dir', journalDir], dir);
    const clients = createSimVenueClients(venuesSim, keys);
    try {
      const [vestHeld] = await clients.vest.positions();
      const size = vestHeld!.size;
      expect(size).toBeGreaterThan(0);

      // Both legs held, as the journal says: nothing was closed outside the bot.
      const bothHeld = await acceptFlat();
      expect(bothHeld.code).toBe(2);
      expect(bothHeld.stdout).toBe('');
      expect(bothHeld.stderr).toContain('BTC-PERP: refused: the venues agree with the journal');
      expect(bothHeld.stderr).toContain('nothing was closed outside the bot');
      expect(phase()).toBe('open');

      // Someone closes the Vest leg by hand: the Paradex leg is still held, and named.
      const vestBook = venuesSim.market.book('vest', 'BTC-PERP')!;
      const vestClose = await clients.vest.placeOrder({ clientId: 'by-hand-1', symbol: 'BTC-PERP', side: 'SELL', type: 'MARKET', size, price: vestBook.bids[0]!.price * 0.99, timeInForce: 'IOC', reduceOnly: true });
      expect(vestClose).toMatchObject({ ok: true, filledSize: size });
      const oneHeld = await acceptFlat();
      expect(oneHeld.code).toBe(2);
      expect(oneHeld.stderr).toContain(`BTC-PERP: refused: --accept-flat needs both legs flat at the venues; they hold paradex BTC-USD-PERP short ${size}`);
      expect(oneHeld.stderr).toContain('flatten both legs first');
      expect(phase()).toBe('open');

      // Then the Paradex leg: both venues flat.
      const paradexBook = venuesSim.market.book('paradex', 'BTC-USD-PERP')!;
      const paradexClose = await clients.paradex.placeOrder({ clientId: 'by-hand-2', symbol: 'BTC-USD-PERP', side: 'BUY', type: 'MARKET', size, price: paradexBook.asks[0]!.price * 1.01, timeInForce: 'IOC', reduceOnly: true });
      expect(paradexClose).toMatchObject({ ok: true, filledSize: size });
      await expect(clients.paradex.positions()).resolves.toEqual([]);

      const accepted = await acceptFlat();
      expect(accepted.stderr).toBe('');
      expect(accepted.code).toBe(0);
      expect(accepted.stdout).toMatch(/^BTC-PERP: position on record accepted as closed outside the bot: open AOverB /m);
      expect(accepted.stdout).toContain('its close PnL is UNKNOWN');
      expect(accepted.stdout).toContain('BTC-PERP: halt cleared; the journal is flat');
      expect(phase()).toBe('flat');
      const lines = fs.readFileSync(journalPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { kind: string; size?: number; reason?: string });
      expect(lines.filter((l) => l.kind === 'closed_outside')).toEqual([expect.objectContaining({ kind: 'closed_outside', direction: 'AOverB', size, reason: expect.stringContaining('its PnL is unknown') })]);

      // `halts` reads it back: flat, not halted, one close of unknown PnL in the loss budget's line.
      const halts = await cli(['halts', '--journal-dir', journalDir], dir);
      expect(halts.code).toBe(0);
      expect(halts.stdout).toContain('BTC-PERP: not halted (flat)');
      expect(halts.stdout).toMatch(/^loss budget: .*BTC-PERP [+-]\$\d+\.\d\d \+ 1 close\(s\) outside the bot of UNKNOWN PnL/m);
      // A second accept finds nothing to accept.
      const again = await acceptFlat();
      expect(again.code).toBe(2);
      expect(again.stderr).toContain('BTC-PERP: refused: --accept-flat accepts a position closed outside the bot, and the journal holds none (flat)');
      expect(again.stdout + again.stderr).not.toMatch(/^\s+at .+[:(]/m);
    } finally {
      await Promise.all([clients.vest.close(), clients.paradex.close()]);
    }
  }, 180_000);

  it('refuses a plain resume while the loss budget on record is spent (exit 2); --reset-loss-budget clears it (exit 0), and halts shows $0 counted', async () => {
    sim = await startSimVenues({ seed: 4 });
    const journalDir = path.join(dir, 'journal');
    loadOrCreateSimKeys(journalDir); // the rehearsal's keys, beside the journal, as a sim run leaves them
    const max = defaultConfig().risk.maxLossUsd;
    const journal = openJournal(path.join(journalDir, 'btc_vest_paradex.ndjson'));
    journal.append({ kind: 'realised', pair: 'BTC-PERP', time: 1_000, event: 'POSITION_CLOSED', deltaUsd: -max, netUsd: -max - 20, since: 500 });
    journal.append({ kind: 'halted', pair: 'BTC-PERP', time: 1_001, reason: `max loss reached: realised net ${(-max - 20).toFixed(2)} USD <= -${max} USD` });
    journal.close();
    const venues = JSON.stringify({ paradex: sim.paradex, vest: sim.vest });
    const spent = `-$${(max + 20).toFixed(2)}`;

    const refused = await cli(['resume', '--pair', 'BTC-PERP', '--venues', venues, '--journal-dir', journalDir], dir);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`BTC-PERP: refused: the loss budget on record is spent (realised net ${spent} <= -$${max}); a start would halt again at once`);
    const stillHalted = await cli(['halts', '--journal-dir', journalDir], dir);
    expect(stillHalted.stdout).toContain('BTC-PERP: HALTED since 1970-01-01T00:00:01.001Z, until an operator clears it');
    expect(stillHalted.stdout).toContain(`loss budget: realised net ${spent} on record (risk.max_loss_usd $${max}: SPENT)`);

    const reset = await cli(['resume', '--pair', 'BTC-PERP', '--reset-loss-budget', '--venues', venues, '--journal-dir', journalDir], dir);
    expect(reset.stderr).toBe('');
    expect(reset.code).toBe(0);
    expect(reset.stdout).toMatch(/^BTC-PERP: halt cleared \(was: max loss reached/m);
    expect(reset.stdout).toContain(`loss budget of BTC-PERP reset: ${spent} counted before is no longer counted; it counts from now`);
    const after = await cli(['halts', '--journal-dir', journalDir], dir);
    expect(after.code).toBe(0);
    expect(after.stdout).toContain('BTC-PERP: not halted');
    expect(after.stdout).toContain(`loss budget: realised net +$0.00 on record (risk.max_loss_usd $${max}: $${max.toFixed(2)} left)`);
  }, 120_000);
});
