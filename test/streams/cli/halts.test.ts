/**
 * The operator's commands: `halts` lists what is on record, `resume --pair` clears a halt only once both
 * venues agree with the journal. Against simulated venues the test owns, reached as live mode reaches
 * the real ones (config URLs, keys in the environment).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openJournal, type JournalEntry } from '../../../src/execution/journal';
import { acquireJournalLock } from '../../../src/execution/journal-lock';
import type { Side } from '../../../src/venues/venue';
import { haltLines, listHalts, lossBudgetLines, resumePair } from '../../../streams/cli/halts';
import { position } from '../../execution/position-fixture';
import { createVenues, type VenueSetup } from '../../../streams/venues';
import { simAsLive, type SimAsLive } from '../../support/sim-live';

const ROOT = path.resolve(__dirname, '../../..');
const PAIR = 'BTC-PERP';

let dir: string;
let live: SimAsLive;

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'arb-halts-'));
  live = await simAsLive({ updateIntervalMs: 0 });
});
afterEach(async () => {
  await live.sim.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const journalDir = () => path.join(dir, 'journal');
const journalPath = () => path.join(journalDir(), 'btc_vest_paradex.ndjson');
const setup = (): VenueSetup => ({ kind: 'live', endpoints: live.endpoints, credentials: live.credentials });

/** What an operator does by hand on the venue's own UI, here with the account's keys. */
async function tradeVest(side: Side, reduceOnly: boolean): Promise<void> {
  const t = await createVenues(setup(), { staleAfterMs: 5_000, paradexEncoding: 'sbe' });
  try {
    const mid = live.sim.market.mid('BTC');
    const out = await t.venues.vest.placeOrder({
      clientId: `hand-${side}-${Date.now()}`,
      symbol: 'BTC-PERP',
      side,
      type: 'MARKET',
      size: 0.01,
      price: side === 'BUY' ? mid * 1.05 : mid * 0.95,
      timeInForce: 'IOC',
      reduceOnly,
    });
    expect(out).toMatchObject({ ok: true, filledSize: 0.01 });
  } finally {
    await t.close();
  }
}

/** A journal where an unwind failed: the Vest long is exposure on record, and trading is halted for an operator. */
function exposedOnRecord(): void {
  const j = openJournal(journalPath());
  const entries: JournalEntry[] = [
    {
      kind: 'opening',
      pair: PAIR,
      time: 1_000,
      direction: 'AOverB',
      size: 0.01,
      detectedSpread: 0.4,
      long: { venue: 'vest', symbol: 'BTC-PERP', side: 'BUY', clientId: 'c1', size: 0.01, priceCap: 100_000 },
      short: { venue: 'paradex', symbol: 'BTC-USD-PERP', side: 'SELL', clientId: 'c2', size: 0.01, priceCap: 90_000 },
    },
    { kind: 'exposed', pair: PAIR, time: 1_100, reason: 'unwind failed', exposure: [{ venue: 'vest', symbol: 'BTC-PERP', size: 0.01 }, { venue: 'paradex', symbol: 'BTC-USD-PERP', size: 0 }] },
    { kind: 'halted', pair: PAIR, time: 1_101, reason: 'unwind failed, unhedged exposure remains: vest BTC-PERP long 0.01' },
  ];
  entries.forEach((e) => j.append(e));
  j.close();
}

describe('halts and resume', () => {
  it('lists a halt on record with its reason and how to clear it', () => {
    exposedOnRecord();
    const [record] = listHalts(live.config(journalDir()), journalDir());
    expect(record).toMatchObject({ pair: PAIR, phase: 'exposed', halt: { reason: expect.stringContaining('unwind failed'), expired: false } });
    const lines = haltLines([record!]);
    expect(lines[0]).toMatch(/^BTC-PERP: HALTED since 1970-01-01T00:00:01\.101Z, until an operator clears it \(exposed\)$/);
    expect(lines).toContain('  exposure on record: vest BTC-PERP long 0.01');
    expect(lines).toContain('  clear with: npm start -- resume --pair BTC-PERP');
  });

  it('refuses while the venues still hold the exposure, naming it exactly; clears once the operator flattened it', async () => {
    exposedOnRecord();
    await tradeVest('BUY', false); // the exposure really is at the venue
    const config = live.config(journalDir());
    const refused = await resumePair({ config, pair: PAIR, journalDir: journalDir(), venues: setup() });
    expect(refused.code).toBe(2);
    expect(refused.lines[0]).toBe('BTC-PERP: refused: the venues and the journal disagree: vest BTC-PERP: journal expects flat, venue reports long 0.01');
    expect(listHalts(config, journalDir())[0]?.halt).toBeDefined();

    await tradeVest('SELL', true); // the operator closes it by hand
    const cleared = await resumePair({ config, pair: PAIR, journalDir: journalDir(), venues: setup() });
    expect(cleared.code).toBe(0);
    expect(cleared.lines[0]).toMatch(/^BTC-PERP: halt cleared \(was: unwind failed, unhedged exposure remains: vest BTC-PERP long 0.01; exposure on record: vest BTC-PERP long 0.01\)$/);
    const j = openJournal(journalPath());
    try {
      expect(j.entries(PAIR).at(-1)).toMatchObject({ kind: 'resumed', operator: true });
      expect(j.lastState(PAIR)).toMatchObject({ phase: 'flat' });
      expect(j.lastState(PAIR).halt).toBeUndefined();
    } finally {
      j.close();
    }
    expect(haltLines(listHalts(config, journalDir()))).toEqual(['BTC-PERP: not halted (flat)']);
  });

  it('refuses to clear a loss-limit halt while the journal’s loss budget is spent; --reset-loss-budget starts it again and clears it', async () => {
    const config = live.config(journalDir());
    const max = config.risk.maxLossUsd;
    const j = openJournal(journalPath());
    j.append({ kind: 'realised', pair: PAIR, time: 1_000, event: 'POSITION_CLOSED', deltaUsd: -max, netUsd: -max - 20, since: 500 });
    j.append({ kind: 'halted', pair: PAIR, time: 1_001, reason: `max loss reached: realised net ${(-max - 20).toFixed(2)} USD <= -${max} USD` });
    j.close();
    expect(listHalts(config, journalDir())[0]?.lossBudget).toEqual({ netUsd: -max - 20, since: 500 });

    const refused = await resumePair({ config, pair: PAIR, journalDir: journalDir(), venues: setup() });
    expect(refused.code).toBe(2);
    expect(refused.lines[0]).toBe(`BTC-PERP: refused: the loss budget on record is spent (realised net -$${(max + 20).toFixed(2)} <= -$${max}); a start would halt again at once`);
    expect(refused.lines[1]).toBe(`loss budget: realised net -$${(max + 20).toFixed(2)} on record (risk.max_loss_usd $${max}: SPENT); BTC-PERP -$${(max + 20).toFixed(2)} since 1970-01-01T00:00:00.500Z`);
    expect(listHalts(config, journalDir())[0]?.halt).toBeDefined();

    const cleared = await resumePair({ config, pair: PAIR, journalDir: journalDir(), venues: setup(), resetLossBudget: true });
    expect(cleared.code).toBe(0);
    expect(cleared.lines[0]).toMatch(/^BTC-PERP: halt cleared \(was: max loss reached/);
    expect(cleared.lines[1]).toBe(`loss budget of BTC-PERP reset: -$${(max + 20).toFixed(2)} counted before is no longer counted; it counts from now`);
    const [after] = listHalts(config, journalDir());
    expect(after?.halt).toBeUndefined();
    expect(after?.lossBudget.netUsd).toBe(0);
    expect(after?.lossBudget.since).toBeGreaterThan(1_000);
  });

  /** A hedged position on record (as the bot journals it), halted by the reconciliation a start ran. */
  function openOnRecord(): void {
    const j = openJournal(journalPath());
    j.append({ kind: 'open', pair: PAIR, time: 1_000, position: { ...position, openedAt: 1_000 } });
    j.append({ kind: 'halted', pair: PAIR, time: 2_000, reason: 'reconciliation mismatch: vest BTC-PERP: journal expects long 0.01, venue reports flat' });
    j.close();
  }

  it('--accept-flat accepts a position closed by hand at the venues: both legs flat, the close journalled outside the bot with its PnL unknown', async () => {
    openOnRecord();
    const config = live.config(journalDir());
    const plain = await resumePair({ config, pair: PAIR, journalDir: journalDir(), venues: setup() });
    expect(plain.code).toBe(2);
    expect(plain.lines[0]).toMatch(/^BTC-PERP: refused: the venues and the journal disagree: vest BTC-PERP: journal expects long 0.01, venue reports flat/);

    const accepted = await resumePair({ config, pair: PAIR, journalDir: journalDir(), venues: setup(), acceptFlat: true });
    expect(accepted.code).toBe(0);
    expect(accepted.lines).toEqual([
      'BTC-PERP: position on record accepted as closed outside the bot: open AOverB 0.01 (long vest @ 100000, short paradex @ 100300)',
      'both venues read flat: vest BTC-PERP flat, paradex BTC-USD-PERP flat',
      "its close PnL is UNKNOWN: not in any PnL figure nor in the loss budget (counted as a close of unknown PnL); check the venues' trade history for it",
      'BTC-PERP: halt cleared; the journal is flat',
    ]);
    const j = openJournal(journalPath());
    try {
      expect(j.entries(PAIR).slice(-2)).toEqual([
        expect.objectContaining({ kind: 'closed_outside', direction: 'AOverB', size: 0.01, reason: expect.stringContaining('its PnL is unknown') }),
        expect.objectContaining({ kind: 'resumed', operator: true }),
      ]);
      // Counted as a close of unknown PnL, not as a round trip of 0.
      expect(j.entries(PAIR).filter((e) => e.kind === 'closed')).toEqual([]);
      expect(j.lastState(PAIR)).toMatchObject({ phase: 'flat', lossBudget: { netUsd: 0, unknownCloses: 1 } });
      expect(j.lastState(PAIR).halt).toBeUndefined();
    } finally {
      j.close();
    }
    const [record] = listHalts(config, journalDir());
    expect(lossBudgetLines([record!], config.risk.maxLossUsd)[0]).toContain('BTC-PERP +$0.00 + 1 close(s) outside the bot of UNKNOWN PnL');
    // A plain resume now agrees: nothing is left on record.
    expect((await resumePair({ config, pair: PAIR, journalDir: journalDir(), venues: setup() })).lines[0]).toMatch(/^BTC-PERP: not halted, nothing to clear/);
  });

  it('--accept-flat refuses while a leg is still held at a venue, naming it, and changes nothing', async () => {
    openOnRecord();
    await tradeVest('BUY', false); // the long leg is still there; only the short was closed by hand
    const config = live.config(journalDir());
    const before = fs.readFileSync(journalPath(), 'utf8');
    const refused = await resumePair({ config, pair: PAIR, journalDir: journalDir(), venues: setup(), acceptFlat: true });
    expect(refused.code).toBe(2);
    expect(refused.lines[0]).toBe('BTC-PERP: refused: --accept-flat needs both legs flat at the venues; they hold vest BTC-PERP long 0.01');
    expect(fs.readFileSync(journalPath(), 'utf8')).toBe(before);
    await tradeVest('SELL', true);
  });

  it('--accept-flat refuses while a bot runs on the journal (it monitors that position)', async () => {
    openOnRecord();
    const lock = acquireJournalLock(journalDir());
    try {
      const refused = await resumePair({ config: live.config(journalDir()), pair: PAIR, journalDir: journalDir(), venues: setup(), acceptFlat: true });
      expect(refused.code).toBe(2);
      expect(refused.lines[0]).toMatch(new RegExp(`^BTC-PERP: refused: a bot is running on this journal \\(pid ${process.pid}, started .*\\) and monitors the position`));
      const j = openJournal(journalPath());
      expect(j.lastState(PAIR).phase).toBe('open');
      j.close();
    } finally {
      lock.release();
    }
  });

  it('--accept-flat refuses when the journal holds no position', async () => {
    exposedOnRecord();
    const refused = await resumePair({ config: live.config(journalDir()), pair: PAIR, journalDir: journalDir(), venues: setup(), acceptFlat: true });
    expect(refused).toEqual({ code: 2, lines: ['BTC-PERP: refused: --accept-flat accepts a position closed outside the bot, and the journal holds none (exposed)'] });
  });

  it('does not clear anything when a venue cannot be read, and says so (exit code 1)', async () => {
    exposedOnRecord();
    const dead: VenueSetup = {
      kind: 'live',
      endpoints: { ...live.endpoints, vest: { ...live.endpoints.vest, restUrl: 'http://127.0.0.1:1/v2' } },
      credentials: live.credentials,
    };
    const out = await resumePair({ config: live.config(journalDir()), pair: PAIR, journalDir: journalDir(), venues: dead });
    expect(out.code).toBe(1);
    expect(out.lines[0]).toMatch(/^BTC-PERP: not cleared: cannot reconcile: positions unreadable/);
    expect(listHalts(live.config(journalDir()), journalDir())[0]?.halt).toBeDefined();
  });

  it('refuses a pair no bot trades, and has nothing to clear for a pair that is not halted', async () => {
    const config = live.config(journalDir());
    expect(await resumePair({ config, pair: 'DOGE-PERP', journalDir: journalDir(), venues: setup() })).toMatchObject({
      code: 2,
      lines: ['--pair DOGE-PERP: no bot trades it; configured pairs: BTC-PERP'],
    });
    expect((await resumePair({ config, pair: PAIR, journalDir: journalDir(), venues: setup() })).lines[0]).toMatch(/^BTC-PERP: not halted, nothing to clear/);
    expect(fs.existsSync(journalPath())).toBe(false); // nothing was created
  });
});

describe('the halts and resume commands (real child processes)', () => {
  function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const tsNode = require.resolve('ts-node/register/transpile-only', { paths: [ROOT] });
    const child = spawn(process.execPath, ['-r', tsNode, path.join(ROOT, 'streams/cli/main.ts'), ...args], {
      cwd: dir,
      env: { ...process.env, TS_NODE_PROJECT: path.join(ROOT, 'tsconfig.json'), ...live.env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
  }

  it('npm start -- halts lists; resume --pair refuses with exit 2 while the venues disagree, then clears', async () => {
    exposedOnRecord();
    const cfg = path.join(dir, 'config.yaml');
    fs.writeFileSync(cfg, live.configYaml(journalDir()));
    await tradeVest('BUY', false);

    const halts = await cli(['halts', '--config', cfg]);
    expect(halts.code).toBe(0);
    expect(halts.stdout).toContain('BTC-PERP: HALTED');
    expect(halts.stdout).toContain('reason: unwind failed, unhedged exposure remains: vest BTC-PERP long 0.01');
    expect(halts.stdout).toContain('clear with: npm start -- resume --pair BTC-PERP');
    // `resume` without a pair lists the same.
    expect((await cli(['resume', '--config', cfg])).stdout).toContain('BTC-PERP: HALTED');

    const refused = await cli(['resume', '--pair', 'BTC-PERP', '--config', cfg]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('BTC-PERP: refused: the venues and the journal disagree: vest BTC-PERP: journal expects flat, venue reports long 0.01');

    await tradeVest('SELL', true);
    const cleared = await cli(['resume', '--pair', 'BTC-PERP', '--config', cfg]);
    expect(cleared.code).toBe(0);
    expect(cleared.stdout).toContain('BTC-PERP: halt cleared');
  }, 180_000);
});
