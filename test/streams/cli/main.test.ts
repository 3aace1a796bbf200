/**
 * The command line as a user runs it: a real child process. Exit codes, the SIGINT contract (orders
 * in flight finished within execution.shutdown_grace_ms, an open position left open and journaled,
 * exit 4 with the exposure printed and journaled when the grace runs out) and config errors.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SECP256K1_ORDER } from '../../../src/domain/keys';
import { openJournal } from '../../../src/execution/journal';
import { startSimVenues } from '../../../src/sim/index';
import { loadOrCreateSimKeys } from '../../../src/venues/sim-connect';
import { newParadexAccount } from '../../../src/venues/paradex/signing';
import { newVestKeys } from '../../../src/venues/vest/signing';
import { filesUnder } from '../../support/files';
import { simAsLive, type SimAsLive } from '../../support/sim-live';

const ROOT = path.resolve(__dirname, '../../..');

function cli(args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): ChildProcessWithoutNullStreams {
  // Resolved from the repo: the child runs in a temp folder, like a user elsewhere on disk.
  const tsNode = require.resolve('ts-node/register/transpile-only', { paths: [ROOT] });
  return spawn(process.execPath, ['-r', tsNode, path.join(ROOT, 'streams/cli/main.ts'), ...args], {
    cwd,
    env: { ...env, TS_NODE_PROJECT: path.join(ROOT, 'tsconfig.json') },
  });
}

/** A stack trace line, as Node prints one for an uncaught error. */
const STACK_LINE = /^\s+at .+[:(]/m;

/** Every file below `dir`. */
/** The one run folder below `runsDir`. */
function runFolderIn(runsDir: string): string {
  const folders = fs.readdirSync(runsDir, { withFileTypes: true }).filter((d) => d.isDirectory() && /^\d{4}-/.test(d.name));
  expect(folders).toHaveLength(1);
  return path.join(runsDir, folders[0]!.name);
}

/** How many times `needle` occurs in `text`. */
const occurrences = (text: string, needle: string): number => text.split(needle).length - 1;

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

function collect(child: ChildProcessWithoutNullStreams): { out: () => string; exit: Promise<Exit> } {
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exit = new Promise<Exit>((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
  return { out: () => stdout, exit };
}

async function waitFor(pred: () => boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the command line', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'arb-cli-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('exits 2 on a bad config value with one message naming the field, value and rule', async () => {
    const cfg = path.join(dir, 'config.yaml');
    fs.writeFileSync(
      cfg,
      ['bots:', '  - id: btc', '    pair: BTC-PERP', '    dex_a: vest', '    dex_b: paradex', '    spread_entry: -0.5', '    spread_exit: -0.02', ''].join('\n'),
    );
    const { exit } = collect(cli(['sim', '--config', cfg, '--runs-dir', dir], dir));
    const r = await exit;
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('bots[0].spread_entry');
    expect(r.stderr).toContain('-0.5');
    expect(fs.readdirSync(dir)).toEqual(['config.yaml']); // nothing started, no run folder
    // The USDC/USD assumption is checked the same way.
    fs.writeFileSync(cfg, ['bots:', '  - pair: BTC-PERP', 'market:', '  usdc_usd: 100', ''].join('\n'));
    const rate = await collect(cli(['sim', '--config', cfg, '--runs-dir', dir], dir)).exit;
    expect(rate.code).toBe(2);
    expect(rate.stderr).toContain('market.usdc_usd = 100: must be a number of USD per USDC from 0.8 to 1.2 (1 = at par)');
  }, 60_000);

  it('keeps the paper command with --config (here a bad value: exit 2 naming it), and refuses an unknown command', async () => {
    const cfg = path.join(dir, 'config.yaml');
    fs.writeFileSync(cfg, ['bots:', '  - pair: BTC-PERP', 'execution:', '  shutdown_grace_ms: -5', ''].join('\n'));
    const [paper, bogus] = await Promise.all([collect(cli(['paper', '--config', cfg, '--runs-dir', dir], dir)).exit, collect(cli(['bogus'], dir)).exit]);
    expect(paper.code).toBe(2);
    expect(paper.stderr).toContain('execution.shutdown_grace_ms = -5');
    expect(bogus.code).toBe(2);
    expect(bogus.stderr).toContain('too many arguments');
  }, 60_000);

  it('exits 2 on a bad flag', async () => {
    const { exit } = collect(cli(['--duration', 'soon', '--runs-dir', dir], dir));
    const r = await exit;
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--duration');
  }, 30_000);

  it('exits 2 on a --venues line it cannot use, or a journal directory that could never be resumed', async () => {
    const [badUrl, noJournal, orphanJournal] = await Promise.all([
      collect(cli(['sim', '--venues', '{"paradex":{"rest":"ftp://x","ws":"ws://127.0.0.1:1/v1"}}', '--journal-dir', path.join(dir, 'j'), '--runs-dir', dir], dir)).exit,
      collect(cli(['sim', '--venues', '{}', '--runs-dir', dir], dir)).exit,
      collect(cli(['sim', '--journal-dir', path.join(dir, 'j'), '--runs-dir', dir], dir)).exit,
    ]);
    expect(badUrl.code).toBe(2);
    expect(badUrl.stderr).toContain('--venues: paradex.rest = "ftp://x": must be a http/https URL');
    expect(noJournal.code).toBe(2);
    expect(noJournal.stderr).toContain('--venues needs --journal-dir');
    expect(orphanJournal.code).toBe(2);
    expect(orphanJournal.stderr).toContain('--journal-dir in sim mode needs --venues');
    expect(fs.readdirSync(dir)).toEqual([]); // nothing started: no run folder, no keys
  }, 60_000);

  it('halts and resume find a rehearsal by --venues and --journal-dir, given before or after the command', async () => {
    const sim = await startSimVenues({ updateIntervalMs: 0 });
    try {
      const journalDir = path.join(dir, 'rehearsal');
      const keys = loadOrCreateSimKeys(journalDir); // as the rehearsal's first run left them
      const j = openJournal(path.join(journalDir, 'btc_vest_paradex.ndjson'));
      j.append({ kind: 'halted', pair: 'BTC-PERP', time: 1_000, reason: 'reconciliation mismatch: the operator looked' });
      j.close();
      const venues = JSON.stringify({ paradex: sim.paradex, vest: sim.vest });
      const [listed, resumed] = await Promise.all([
        collect(cli(['--journal-dir', journalDir, 'halts'], dir)).exit,
        collect(cli(['resume', '--pair', 'BTC-PERP', '--venues', venues, '--journal-dir', journalDir], dir)).exit,
      ]);
      expect(listed.code).toBe(0);
      expect(listed.stdout).toContain(`halts on record in ${journalDir}:`);
      expect(listed.stdout).toMatch(/BTC-PERP: HALTED since/);
      // Both venues read flat with the rehearsal's own keys: the halt is cleared.
      expect(resumed.code).toBe(0);
      expect(resumed.stdout).toMatch(/^BTC-PERP: halt cleared/m);
      expect(resumed.stdout + resumed.stderr).not.toContain(keys.paradex.privateKey.slice(2, 22));
    } finally {
      await sim.close();
    }
  }, 90_000);

  it('refuses a second bot on a journal folder another live bot holds (exit 2, before touching a venue)', async () => {
    const journalDir = path.join(dir, 'shared-journal');
    loadOrCreateSimKeys(journalDir);
    // The holder: this test process (alive, same host, another pid than the child's).
    fs.writeFileSync(path.join(journalDir, 'bot.lock'), JSON.stringify({ pid: process.pid, host: os.hostname(), startedAt: '2026-12-02T00:00:00.000Z' }));
    const venues = JSON.stringify({ paradex: { rest: 'http://127.0.0.1:1/v1', ws: 'ws://127.0.0.1:1/v1' }, vest: { rest: 'http://127.0.0.1:1', ws: 'ws://127.0.0.1:1/ws-api' } });
    const r = await collect(cli(['sim', '--venues', venues, '--journal-dir', journalDir, '--runs-dir', dir], dir)).exit;
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`journal folder ${journalDir} is in use by another bot (pid ${process.pid} on ${os.hostname()}`);
    expect(r.stderr).not.toMatch(STACK_LINE);
    // The holder's lock is left as it was.
    expect(JSON.parse(fs.readFileSync(path.join(journalDir, 'bot.lock'), 'utf8')).pid).toBe(process.pid);
  }, 60_000);

  it('refuses live mode without --live', async () => {
    const { exit } = collect(cli(['live', '--runs-dir', dir], dir));
    const r = await exit;
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--live');
  }, 30_000);

  it('refuses live mode, even with --live, until the risk limits are written out in the config', async () => {
    const cfg = path.join(dir, 'config.yaml');
    fs.writeFileSync(cfg, ['bots:', '  - pair: BTC-PERP', 'risk:', '  max_notional_usd: 500', ''].join('\n'));
    const { exit } = collect(cli(['live', '--live', '--config', cfg, '--runs-dir', dir], dir));
    const r = await exit;
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('risk.max_position_base');
    expect(r.stderr).toContain('risk.max_loss_usd');
    expect(r.stdout).not.toContain('LIVE TRADING');
  }, 30_000);

  it('refuses live mode without the venue keys, naming what is missing', async () => {
    const cfg = path.join(dir, 'config.yaml');
    fs.writeFileSync(
      cfg,
      ['bots:', '  - pair: BTC-PERP', 'risk:', '  max_position_base: 0.001', '  max_notional_usd: 500', '  max_loss_usd: 50', ''].join('\n'),
    );
    const child = spawn(
      process.execPath,
      ['-r', require.resolve('ts-node/register/transpile-only', { paths: [ROOT] }), path.join(ROOT, 'streams/cli/main.ts'), 'live', '--live', '--config', cfg, '--runs-dir', dir],
      { cwd: dir, env: { PATH: process.env.PATH ?? '', TS_NODE_PROJECT: path.join(ROOT, 'tsconfig.json') } },
    );
    const r = await collect(child).exit;
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/VEST_SIGNING_KEY|PARADEX_PRIVATE_KEY/);
    expect(fs.readdirSync(dir)).toEqual(['config.yaml']); // nothing started
  }, 30_000);

  it('on SIGINT with nothing in flight exits 0 within 5 s and leaves the open position open and journaled', async () => {
    const child = cli(['--seed', '7', '--runs-dir', dir, '--sim-model', '{"basisTauSec":0.8,"basisStdPct":0.16}'], dir);
    const { out, exit } = collect(child);
    await waitFor(() => out().includes('POSITION_OPENED'), 150_000);
    const sentAt = Date.now();
    child.kill('SIGINT');
    const r = await exit;
    const tookMs = Date.now() - sentAt;
    expect(r.code).toBe(0);
    expect(tookMs).toBeLessThan(5_000);
    // The banner states the quote-unit assumption before anything trades.
    expect(r.stdout).toContain('USDC/USD taken as 1.0000 (assumed; config market.usdc_usd): Paradex quotes USD, Vest USDC');

    const runFolder = /run folder: (.+)/.exec(r.stdout)?.[1]?.trim();
    expect(runFolder).toBeDefined();
    // Unless a close happened to be under way at the signal, the position is still open in the journal.
    const closedBeforeSignal = /POSITION_CLOSED/.test(r.stdout.split('SIGINT')[1] ?? '');
    const journal = openJournal(path.join(runFolder!, 'journal', 'btc_vest_paradex.ndjson'));
    try {
      const state = journal.lastState('BTC-PERP');
      if (!closedBeforeSignal) expect(state.phase).toBe('open');
      if (!closedBeforeSignal) expect(state.position?.size).toBeGreaterThan(0);
    } finally {
      journal.close();
    }
    expect(r.stdout).toContain('EXIT_MONITOR_STOPPED');
  }, 180_000);

  it('refuses a YAML alias bomb ("billion laughs") with exit 2 and one line, no stack trace', async () => {
    const cfg = path.join(dir, 'config.yaml');
    const levels = 'abcdefghi'.split('');
    fs.writeFileSync(
      cfg,
      [
        'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
        ...levels.slice(1).map((name, i) => `${name}: &${name} [${Array(9).fill(`*${levels[i]}`).join(',')}]`),
        'bots: [{ pair: BTC-PERP }]',
        '',
      ].join('\n'),
    );
    const r = await collect(cli(['sim', '--config', cfg, '--runs-dir', dir], dir)).exit;
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `config error: ${cfg}: invalid YAML: its aliases expand to more than 100 copies (a "billion laughs" alias bomb?); write the values out or use fewer nested aliases\n`,
    );
    expect(r.stderr).not.toMatch(STACK_LINE);
    expect(fs.readdirSync(dir)).toEqual(['config.yaml']);
  }, 60_000);

  it('refuses durations a timer cannot wait, from flags and from config.yaml, naming field, value and rule', async () => {
    const rule = '(2^31 - 1 ms, about 24.8 days: the longest a timer can wait)';
    const duration = await collect(cli(['--duration', '1e10', '--runs-dir', dir], dir)).exit;
    expect(duration.code).toBe(2);
    expect(duration.stderr).toContain(`--duration must be at most 2147483.647 seconds ${rule}; leave it out to run until stopped, got "1e10"`);
    const sample = await collect(cli(['--sample-ms', '2147483648', '--runs-dir', dir], dir)).exit;
    expect(sample.code).toBe(2);
    expect(sample.stderr).toContain(`--sample-ms must be at most 2147483647 ${rule}, got "2147483648"`);
    const cfg = path.join(dir, 'config.yaml');
    fs.writeFileSync(cfg, 'bots: [{ pair: BTC-PERP }]\nrisk:\n  halt_cooldown_sec: 1e308\n');
    const config = await collect(cli(['sim', '--config', cfg, '--runs-dir', dir], dir)).exit;
    expect(config.code).toBe(2);
    expect(config.stderr).toBe(`config error: ${cfg}: risk.halt_cooldown_sec = 1e+308: must be at most 2147483.647 ${rule}\n`);
    for (const r of [duration, sample, config]) expect(r.stderr).not.toMatch(STACK_LINE);
    expect(fs.readdirSync(dir)).toEqual(['config.yaml']);
  }, 120_000);

  it('survives its stdout reader going away (| tee killed by the same Ctrl-C): reports EPIPE once, exits 0 with report and journal', async () => {
    const child = cli(['--seed', '7', '--runs-dir', dir, '--sim-model', '{"basisTauSec":0.8,"basisStdPct":0.16}'], dir);
    const { exit } = collect(child);
    // The reader reads the banner, then closes its end of the pipe: the bot's next write gets EPIPE.
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.stdout.destroy();
    await waitFor(() => fs.readdirSync(dir).length > 0, 60_000);
    await new Promise((r) => setTimeout(r, 3_000));
    child.kill('SIGINT'); // its notice and the summary go to the closed pipe
    const r = await exit;
    expect(r.code).toBe(0);
    const line = 'output error: stdout: the reader went away (broken pipe) (EPIPE); later output to it is dropped';
    expect(occurrences(r.stderr, line)).toBe(1);
    expect(r.stderr).not.toMatch(STACK_LINE);
    const runFolder = runFolderIn(dir);
    expect(occurrences(fs.readFileSync(path.join(runFolder, 'bot.log'), 'utf8'), line)).toBe(1);
    expect(fs.readFileSync(path.join(runFolder, 'report.html'), 'utf8')).toContain('</html>');
    expect(fs.readFileSync(path.join(runFolder, 'events.ndjson'), 'utf8')).toContain('"BOT_SHUTDOWN"');
    const journal = openJournal(path.join(runFolder, 'journal', 'btc_vest_paradex.ndjson'));
    journal.close();
    expect(journal.corruptLines).toEqual([]);
  }, 120_000);

  it('reports a summary JSON it cannot write (a full disk: /dev/full) once and exits 3 after a clean run', async () => {
    const r = await collect(cli(['--duration', '2', '--summary-json', '/dev/full', '--runs-dir', dir], dir)).exit;
    expect(r.code).toBe(3);
    const line = 'output error: summary JSON /dev/full: no space left on device (ENOSPC); later output to it is dropped';
    expect(occurrences(r.stderr, line)).toBe(1);
    expect(r.stderr).not.toMatch(STACK_LINE);
    expect(r.stdout).toContain('round trips'); // the summary table
    const runFolder = runFolderIn(dir);
    expect(occurrences(fs.readFileSync(path.join(runFolder, 'bot.log'), 'utf8'), line)).toBe(1);
    expect(fs.existsSync(path.join(runFolder, 'report.html'))).toBe(true);
  }, 90_000);

  it('never echoes a Vest key that is 64 hex digits but not a secp256k1 scalar: not on stdout/stderr, not in any file', async () => {
    // Live mode against simulated venues, as a user rehearses with their own keys.
    const sim = await startSimVenues({ seed: 7, model: { basisTauSec: 0.8, basisStdPct: 0.16 } });
    try {
      const badKey = `0x${(SECP256K1_ORDER + 0xabcdef1n).toString(16)}`;
      const vest = newVestKeys();
      const paradex = newParadexAccount();
      const cfg = path.join(dir, 'config.yaml');
      fs.writeFileSync(
        cfg,
        [
          'bots: [{ pair: BTC-PERP }]',
          'risk: { max_position_base: 0.001, max_notional_usd: 500, max_loss_usd: 50 }',
          `journal_dir: ${path.join(dir, 'journal')}`,
          'venues:',
          `  paradex: { rest_url: "${sim.paradex.rest}", ws_url: "${sim.paradex.ws}" }`,
          `  vest: { rest_url: "${sim.vest.rest}", ws_url: "${sim.vest.ws}" }`,
          '',
        ].join('\n'),
      );
      const env = {
        PATH: process.env.PATH ?? '',
        VEST_PRIMARY_ADDR: vest.primaryAddr,
        VEST_PRIMARY_KEY: vest.primaryKey,
        VEST_SIGNING_KEY: badKey,
        VEST_PRODUCTION: 'false',
        PARADEX_PRIVATE_KEY: paradex.privateKey,
        PARADEX_ACCOUNT_ADDRESS: paradex.address,
        PARADEX_PRODUCTION: 'false',
      };
      const r = await collect(cli(['live', '--live', '--config', cfg, '--runs-dir', dir, '--duration', '15'], dir, env)).exit;
      const texts = [r.stdout, r.stderr, ...filesUnder(dir).map((f) => fs.readFileSync(f, 'utf8'))];
      const hex = badKey.slice(2);
      const decimal = BigInt(badKey).toString(10);
      const windows = (s: string) => Array.from({ length: s.length - 19 }, (_, i) => s.slice(i, i + 20));
      for (const text of texts) {
        const lower = text.toLowerCase();
        expect(windows(hex).find((w) => lower.includes(w))).toBeUndefined();
        expect(windows(decimal).find((w) => text.includes(w))).toBeUndefined();
      }
      // Refused at load, before any library saw it, and named without its value.
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('VEST_SIGNING_KEY = <redacted, 66 characters>: must be a secp256k1 private key');
    } finally {
      await sim.close();
    }
  }, 90_000);
});

describe('Ctrl-C during an entry (the CLI in live mode against simulated venues in the test process)', () => {
  let dir: string;
  let live: SimAsLive | undefined;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'arb-cli-entry-'));
  });
  afterEach(async () => {
    live?.sim.faults.trading.paradex.releaseAll();
    await live?.sim.close();
    live = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /**
   * Starts the bot with a forced spread. Its Paradex entry order fills nothing and its answer is held
   * at the venue (so the entry is in flight for the 5 s leg deadline); resolves once the bot has sent it.
   */
  async function botMidEntry(extra = ''): Promise<{ child: ChildProcessWithoutNullStreams; exit: Promise<Exit>; summaryPath: string; journalPath: string }> {
    live = await simAsLive({ updateIntervalMs: 50 });
    const paradex = live.sim.faults.trading.paradex;
    paradex.partialFillNext(0, 1);
    paradex.timeoutNextOrders(1);
    const journalDir = path.join(dir, 'journal');
    const cfg = path.join(dir, 'config.yaml');
    fs.writeFileSync(cfg, live.configYaml(journalDir, extra));
    const summaryPath = path.join(dir, 'summary.json');
    const child = cli(['live', '--live', '--config', cfg, '--runs-dir', dir, '--summary-json', summaryPath], dir, { ...process.env, ...live.env });
    const { exit } = collect(child);
    live.sim.market.setBasis('BTC', 0.6);
    await waitFor(() => paradex.pendingCount > 0, 120_000);
    return { child, exit, summaryPath, journalPath: path.join(journalDir, 'btc_vest_paradex.ndjson') };
  }

  it('finishes the entry before exiting (the lone leg unwound), exits 0 and the summary says what happened', async () => {
    const { child, exit, summaryPath, journalPath } = await botMidEntry();
    child.kill('SIGINT');
    const r = await exit;
    expect(r.code).toBe(0);
    const summary = JSON.parse(fs.readFileSync(summaryPath, 'utf8')) as Record<string, unknown>;
    expect(summary).toMatchObject({ opened: 0, openAtExit: 0, legsUnwound: 1 });
    expect(await live!.holdings()).toEqual([0, 0]);
    expect(summary).toMatchObject({ exposureAtExit: [], unfinishedAtExit: false });
    expect(r.stdout).toContain('SIGINT: stopping; orders in flight are finished first (up to 10 s');
    const journal = openJournal(journalPath);
    try {
      expect(journal.lastState('BTC-PERP').phase).toBe('flat');
    } finally {
      journal.close();
    }
  }, 180_000);

  it('exits 4 with the exposure printed and journaled when the shutdown grace runs out, and the next start finishes it', async () => {
    const { child, exit, summaryPath, journalPath } = await botMidEntry('execution:\n  shutdown_grace_ms: 500');
    const sentAt = Date.now();
    child.kill('SIGINT');
    const r = await exit;
    expect(r.code).toBe(4);
    // The grace, then at most the CLI's backstop margin (5 s) for the report; a loaded machine adds some.
    expect(Date.now() - sentAt).toBeLessThan(500 + 5_000 + 5_000);
    expect(r.stderr).toMatch(/EXPOSURE AT EXIT BTC-PERP: unhedged vest BTC-PERP (long|short) 0\.01; pending paradex BTC-USD-PERP (BUY|SELL) 0\.01 \(order \S+, outcome unknown\) \(entry unfinished; from the (venues' positions|journal)\)/);
    const summary = JSON.parse(fs.readFileSync(summaryPath, 'utf8')) as { exposureAtExit: unknown[]; unfinishedAtExit: boolean; openAtExit: number };
    expect(summary).toMatchObject({ unfinishedAtExit: true, openAtExit: 0 });
    expect(summary.exposureAtExit).toHaveLength(1);
    const lines = fs.readFileSync(journalPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { kind: string });
    expect(lines.at(-1)).toMatchObject({ kind: 'exit_exposure', exposure: [expect.objectContaining({ venue: 'vest' })] });

    // Started again on the same journal and accounts, the bot unwinds the lone leg by itself.
    live!.sim.faults.trading.paradex.releaseAll();
    // No spread any more: the restart only finishes what was left, it does not enter again.
    live!.sim.market.setBasis('BTC', 0);
    const again = cli(['live', '--live', '--config', path.join(dir, 'config.yaml'), '--runs-dir', dir], dir, { ...process.env, ...live!.env });
    const second = collect(again);
    await waitFor(() => second.out().includes('LEG_UNWOUND'), 120_000);
    again.kill('SIGINT');
    expect((await second.exit).code).toBe(0);
    expect(await live!.holdings()).toEqual([0, 0]);
  }, 240_000);

  it('a second Ctrl-C exits at once, printing and journaling the exposure it leaves', async () => {
    const { child, exit, journalPath } = await botMidEntry();
    child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 300));
    const secondAt = Date.now();
    child.kill('SIGINT');
    const r = await exit;
    expect(Date.now() - secondAt).toBeLessThan(2_000);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('second SIGINT: exiting now');
    expect(r.stderr).toMatch(/EXPOSURE AT EXIT BTC-PERP: .*pending paradex BTC-USD-PERP (BUY|SELL) 0\.01 \(order \S+, outcome unknown\) \(entry unfinished; from the journal\)/);
    const lines = fs.readFileSync(journalPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { kind: string; reason?: string });
    expect(lines.at(-1)).toMatchObject({ kind: 'exit_exposure', reason: 'second SIGINT: exited without waiting' });
  }, 180_000);
});

