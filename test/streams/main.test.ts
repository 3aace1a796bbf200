/**
 * The command line as a user runs it: a real child process. Exit codes, the SIGINT contract
 * (exit 0 within 5 s, open position left open and journaled) and config errors.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openJournal } from '../../src/execution/journal';

const ROOT = path.resolve(__dirname, '../..');

function cli(args: string[], cwd: string): ChildProcessWithoutNullStreams {
  // Resolved from the repo: the child runs in a temp folder, like a user elsewhere on disk.
  const tsNode = require.resolve('ts-node/register/transpile-only', { paths: [ROOT] });
  return spawn(process.execPath, ['-r', tsNode, path.join(ROOT, 'streams/main.ts'), ...args], {
    cwd,
    env: { ...process.env, TS_NODE_PROJECT: path.join(ROOT, 'tsconfig.json') },
  });
}

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
  }, 30_000);

  it('exits 2 on a bad flag', async () => {
    const { exit } = collect(cli(['--duration', 'soon', '--runs-dir', dir], dir));
    const r = await exit;
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--duration');
  }, 30_000);

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
      ['-r', require.resolve('ts-node/register/transpile-only', { paths: [ROOT] }), path.join(ROOT, 'streams/main.ts'), 'live', '--live', '--config', cfg, '--runs-dir', dir],
      { cwd: dir, env: { PATH: process.env.PATH ?? '', TS_NODE_PROJECT: path.join(ROOT, 'tsconfig.json') } },
    );
    const r = await collect(child).exit;
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/VEST_SIGNING_KEY|PARADEX_PRIVATE_KEY/);
    expect(fs.readdirSync(dir)).toEqual(['config.yaml']); // nothing started
  }, 30_000);

  it('on SIGINT exits 0 within 5 s and leaves the open position open and journaled', async () => {
    const child = cli(['--seed', '7', '--runs-dir', dir, '--sim-model', '{"basisTauSec":0.8,"basisStdPct":0.16}'], dir);
    const { out, exit } = collect(child);
    await waitFor(() => out().includes('POSITION_OPENED'), 150_000);
    const sentAt = Date.now();
    child.kill('SIGINT');
    const r = await exit;
    const tookMs = Date.now() - sentAt;
    expect(r.code).toBe(0);
    expect(tookMs).toBeLessThan(5_000);

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
});
