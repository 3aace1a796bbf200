/**
 * `status` and `positions` on a real sim run: while it runs, `status` reads its API (port 0) and its journal;
 * after it stops, `status` says nothing is running and the journal still tells the position and the realised PnL
 * (the same figures as the run's own summary); `positions` compares that journal with what the venues report,
 * names each mismatch, and lists positions no configured pair trades. The command line refuses a bad flag (exit 2).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type BotConfig, defaultConfig } from '../../../src/config';
import type { TradingEvent } from '../../../src/domain/events';
import { compare } from '../../../streams/cli/positions';
import type { VenueId } from '../../../src/domain/market';
import type { VenuePosition } from '../../../src/venues/venue';
import { startRun } from '../../../streams/cli/run';
import { statusReport } from '../../../streams/cli/status';

const FAST_MARKET = { basisTauSec: 0.8, basisStdPct: 0.16 };
const ROOT = path.resolve(__dirname, '../../..');

function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const poll = () => {
      if (check()) resolve();
      else if (Date.now() - started > timeoutMs) reject(new Error(`timed out waiting for ${what}`));
      else setTimeout(poll, 50);
    };
    poll();
  });
}

describe('status and positions on a sim run', () => {
  let runsDir: string;
  beforeAll(() => {
    runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'arb-status-'));
  });
  afterAll(() => fs.rmSync(runsDir, { recursive: true, force: true }));

  // One run for the file: a round trip closed, then a position left open at the stop (closeOnExit false).
  let journalDir: string;
  let apiUrl: string;
  let config: BotConfig;
  let whileRunning: string;
  let summaryNet: number;
  let roundTrips: number;
  beforeAll(async () => {
    const base = defaultConfig();
    config = base;
    const seen: TradingEvent[] = [];
    let url = '';
    const handle = startRun({
      mode: 'sim',
      config,
      seed: 7,
      closeOnExit: false,
      runsDir,
      logLevel: 'warn',
      simModel: FAST_MARKET,
      api: { host: '127.0.0.1', port: 0, token: undefined },
      onApiListening: (u) => (url = u),
      onEvent: (e) => seen.push(e),
    });
    await waitFor(() => url !== '' && seen.filter((e) => e.type === 'SPREAD_MONITORING').length >= 2, 20_000, 'the API and spread samples');
    apiUrl = url;
    const runDir = (await waitForRunDir(runsDir)).trim();
    journalDir = path.join(runDir, 'journal');
    // A round trip closed, then a position open and marked to the books (a spread sample priced it).
    const marked = () => {
      const opened = seen.map((e) => e.type).lastIndexOf('POSITION_OPENED');
      return opened > seen.findIndex((e) => e.type === 'POSITION_CLOSED') && seen.findIndex((e) => e.type === 'POSITION_CLOSED') >= 0 && seen.slice(opened).some((e) => e.type === 'SPREAD_MONITORING' && e.position !== undefined) && !seen.slice(opened).some((e) => e.type === 'TRADE_EXIT');
    };
    await waitFor(marked, 40_000, 'a round trip, then an open position marked to the books');
    whileRunning = await statusReport({ config, journalDir, apiUrl, apiPort: undefined, token: undefined });
    handle.stop('test');
    const result = await handle.done;
    summaryNet = result.summary.trades.reduce((s, t) => s + t.netPnlUsd, 0);
    roundTrips = result.summary.trades.length;
  }, 70_000);

  it('while the bot runs, shows what its API says: mode, the pair, its position and PnL, and the journal', () => {
    expect(whileRunning).toMatch(/^bot: RUNNING, sim mode, up \d+m\d\ds \(http:\/\/127\.0\.0\.1:\d+\)$/m);
    expect(whileRunning).toMatch(/^ {2}BTC-PERP: (in_position|closing); (AOverB|BOverA) 0\.001 long \w+ \/ short \w+, entry -?\d+\.\d+%, uPnL [+-]\$\d+\.\d\d net; rPnL [+-]\$\d+\.\d\d net \(\d+ round trips?, fees -\$\d+\.\d\d\); trading$/m);
    expect(whileRunning).toMatch(/^ {2}run PnL: realised net [+-]\$\d+\.\d\d = gross [+-]\$\d+\.\d\d - every fee paid \$\d+\.\d\d \(open positions' entries too\) \+ funding [+-]\$0\.00; unrealised [+-]\$\d+\.\d\d net of exit fees$/m);
    expect(whileRunning).toContain(`journal: ${journalDir}`);
  });

  it('once it stopped, says nothing is running and reads the open position and realised PnL from the journal', async () => {
    const text = await statusReport({ config, journalDir, apiUrl, apiPort: undefined, token: undefined });
    expect(text).toContain(`bot: not running (nothing listens there on ${apiUrl}; a bot started with --no-api is not seen)`);
    const line = text.split('\n').find((l) => l.startsWith('  BTC-PERP: '))!;
    expect(line).toMatch(/^ {2}BTC-PERP: OPEN (AOverB|BOverA) 0\.001 long \w+ @ [\d.]+ \/ short \w+ @ [\d.]+, entry -?\d+\.\d+%, entry fees \$\d+\.\d\d, since \d{4}-/);
    // The journal's realised net is the run's own (summary): the same round trips, the same fees.
    const m = /realised ([+-])\$(\d+\.\d\d) net = gross [+-]\$\d+\.\d\d - fees \$\d+\.\d\d \((\d+) round trips? since/.exec(line)!;
    expect(Number(m[3])).toBe(roundTrips);
    expect(Number(`${m[1]}${m[2]}`)).toBeCloseTo(summaryNet, 2);
    expect(text).toContain('  halts: none');
  });

  it('positions: ok when the venues hold what the journal says, else each mismatch named (exit 2), and foreign positions listed', async () => {
    const text = await statusReport({ config, journalDir, apiUrl, apiPort: undefined, token: undefined });
    const [, direction, longVenue, shortVenue] = /OPEN (AOverB|BOverA) 0\.001 long (\w+) @ [\d.]+ \/ short (\w+)/.exec(text)!;
    expect(direction).toBeDefined();
    const sym = (venue: string) => (venue === 'vest' ? 'BTC-PERP' : 'BTC-USD-PERP');
    const agree = compare({ config, journalDir }, new Map<VenueId, VenuePosition[] | string>([
      [longVenue as VenueId, [{ symbol: sym(longVenue!), size: 0.001 }]],
      [shortVenue as VenueId, [{ symbol: sym(shortVenue!), size: -0.001 }, { symbol: 'ETH-USD-PERP', size: 0.5 }]],
    ]));
    expect(agree.code).toBe(0);
    expect(agree.lines).toContain(`  BTC-PERP: ok: vest BTC-PERP ${longVenue === 'vest' ? 'long 0.001' : 'short 0.001'}, paradex BTC-USD-PERP ${longVenue === 'paradex' ? 'long 0.001' : 'short 0.001'} (journal open)`);
    expect(agree.lines).toContain(`  ${shortVenue} ETH-USD-PERP: long 0.5 held, traded by no configured pair (not this bot's)`);

    const oneLegGone = compare({ config, journalDir }, new Map<VenueId, VenuePosition[] | string>([
      [longVenue as VenueId, []],
      [shortVenue as VenueId, [{ symbol: sym(shortVenue!), size: -0.001 }]],
    ]));
    expect(oneLegGone.code).toBe(2);
    expect(oneLegGone.lines).toContain('  BTC-PERP: MISMATCH (journal open):');
    expect(oneLegGone.lines).toContain(`    ${longVenue} ${sym(longVenue!)}: journal expects long 0.001, venue reports flat`);

    const unreadable = compare({ config, journalDir }, new Map<VenueId, VenuePosition[] | string>([
      [longVenue as VenueId, 'HTTP 503'],
      [shortVenue as VenueId, [{ symbol: sym(shortVenue!), size: -0.001 }]],
    ]));
    expect(unreadable.code).toBe(1);
    expect(unreadable.lines).toContain(`  ${longVenue}: CANNOT READ positions: HTTP 503`);
    expect(unreadable.lines.some((l) => l.endsWith('NOT CHECKED'))).toBe(true);
  });

  it('the command line refuses a bad flag of status or positions with exit 2, naming it', async () => {
    const TS_NODE = require.resolve('ts-node/register/transpile-only', { paths: [ROOT] });
    const run = (args: string[]) =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, ['-r', TS_NODE, path.join(ROOT, 'streams/cli/main.ts'), '--', ...args], { cwd: runsDir, env: { PATH: process.env.PATH ?? '', TS_NODE_PROJECT: path.join(ROOT, 'tsconfig.json') } });
        let stderr = '';
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('close', (code) => resolve({ code, stderr }));
      });
    const [badUrl, unknown] = await Promise.all([run(['status', '--api-url', 'localhost:8080']), run(['positions', '--jornal-dir', 'x'])]);
    expect(badUrl.code).toBe(2);
    expect(badUrl.stderr).toContain('--api-url must be an http:// or https:// URL, got "localhost:8080"');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown option '--jornal-dir'");
  }, 60_000);
});

/** The run folder `runs/latest` points at. */
async function waitForRunDir(runsDir: string): Promise<string> {
  await waitFor(() => fs.existsSync(path.join(runsDir, 'latest')), 10_000, 'the run folder');
  return fs.realpathSync(path.join(runsDir, 'latest'));
}
