/**
 * `npm start -- positions` end to end: a real child process, against running simulated venues (real servers, real
 * signatures) holding a position the bot itself opened and journaled. Agreement exits 0 with both legs shown;
 * a leg closed behind the bot's back exits 2 naming the venue, the journal's size and the venue's.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultConfig } from '../../../src/config';
import { openJournal } from '../../../src/execution/journal';
import { startSimVenues, type SimVenues } from '../../../src/sim/index';
import { createSimVenueClients, loadOrCreateSimKeys } from '../../../src/venues/sim-connect';
import { startRun } from '../../../streams/cli/run';

const ROOT = path.resolve(__dirname, '../../..');

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `npm start -- ARGS` as a user runs it (from a temp folder), to its exit. */
function cli(args: string[], cwd: string): Promise<Exit> {
  const tsNode = require.resolve('ts-node/register/transpile-only', { paths: [ROOT] });
  const child = spawn(process.execPath, ['-r', tsNode, path.join(ROOT, 'streams/cli/main.ts'), ...args], {
    cwd,
    env: { ...process.env, TS_NODE_PROJECT: path.join(ROOT, 'tsconfig.json') },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

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
    sim = await startSimVenues({ seed: 3 });
    const journalDir = path.join(dir, 'journal');
    const keys = loadOrCreateSimKeys(journalDir);
    // Vest cheaper than Paradex by 0.4 %: AOverB (buy Vest, sell Paradex) clears the entry threshold at once.
    sim.market.setBasis('BTC', -0.4);
    const run = startRun({
      mode: 'sim',
      config: defaultConfig(),
      seed: 1,
      closeOnExit: false,
      runsDir: dir,
      logLevel: 'info',
      simVenues: { urls: sim, keys },
      journalDir,
      onEvent: (e) => {
        if (e.type === 'POSITION_OPENED') run.stop('test: position open');
      },
    });
    expect((await run.done).summary.openAtExit).toBe(1);
    sim.market.releaseBasis('BTC');

    // What the venues hold, read as a client with the bot's keys: a hedged pair, long Vest, short Paradex.
    const clients = createSimVenueClients(sim, keys);
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

      const venues = JSON.stringify({ paradex: sim.paradex, vest: sim.vest });
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
      const book = sim.market.book('vest', 'BTC-PERP')!;
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
