/**
 * The command line's edges as a user meets them, each in a real child process: `npm start -- …` as typed,
 * the env file, unknown config keys, output paths checked before the run, --version, --sim-model keys,
 * --log-level on the console, the run folder and runs/latest, the live banner, and the status on a real
 * 80-column terminal (a pty from `script`, read back through a terminal emulator).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Terminal } from '@xterm/headless';

const ROOT = path.resolve(__dirname, '../../..');
const TS_NODE = require.resolve('ts-node/register/transpile-only', { paths: [ROOT] });
const MAIN = path.join(ROOT, 'streams/cli/main.ts');
const FAST_MARKET = '{"basisTauSec":0.8,"basisStdPct":0.16}';

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

function finished(child: ChildProcess): Promise<Exit> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject); // e.g. a missing executable: fail the test with its reason
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The bot's own process as `npm start` runs it (`main.ts -- <args>`), in `cwd`, with only `env` beyond PATH. */
function bot(args: string[], cwd: string, opts: { env?: Record<string, string> } = {}): Promise<Exit> {
  return finished(
    spawn(process.execPath, ['-r', TS_NODE, MAIN, '--', ...args], {
      cwd,
      env: { PATH: process.env.PATH ?? '', TS_NODE_PROJECT: path.join(ROOT, 'tsconfig.json'), ...opts.env },
    }),
  );
}

/** `npm start -- <args>` in the repository, as the README tells a user to type it. */
function npmStart(args: string[]): Promise<Exit> {
  return finished(spawn('npm', ['start', '--', ...args], { cwd: ROOT, env: { ...process.env, npm_config_loglevel: 'error' } }));
}

describe('the command line, at its edges', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'arb-cli-edges-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  describe('--env-file (a flag Node 20 also reads, anywhere on its command line)', () => {
    const missing = `no-such-${process.pid}.env`;

    it('`npm start -- --env-file missing` is the bot\'s own error, exit 2, not node\'s exit 9', async () => {
      const r = await npmStart(['--env-file', missing]);
      expect(r.stderr).toContain(`cannot read env file ${missing}: no such file`);
      expect(r.stderr).not.toMatch(/^node: /m);
      expect(r.code).toBe(2);
    }, 60_000);

    it('`npm start -- --env-file=missing` too, and nothing is started', async () => {
      const r = await npmStart([`--env-file=${missing}`, '--runs-dir', dir]);
      expect(r.stderr).toContain(`cannot read env file ${missing}: no such file`);
      expect(r.code).toBe(2);
      expect(fs.readdirSync(dir)).toEqual([]);
    }, 60_000);

    it('an unreadable env file is an error in sim mode as well (exit 2)', async () => {
      fs.mkdirSync(path.join(dir, 'env-dir'));
      const r = await bot(['sim', '--env-file', 'env-dir', '--runs-dir', dir], dir);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('cannot read env file env-dir: it is a directory');
    }, 60_000);

    it('names the env file it read, and says when none was found', async () => {
      fs.writeFileSync(path.join(dir, 'bot.env'), 'RUST_LOG=info\nLOG_FORMAT=json\n');
      // An unwritable summary path stops the run right after the env file is read: nothing else starts.
      const named = await bot(['sim', '--env-file', 'bot.env', '--summary-json', 'none/s.json'], dir);
      expect(named.stdout).toContain(`env file: ${path.join(dir, 'bot.env')} (2 variables set); sim mode uses no keys`);
      const paper = await bot(['paper', '--summary-json', 'none/s.json'], dir);
      expect(paper.stdout).toContain(`env file: none found at ${path.join(dir, '.env')} (using the environment only)`);
      expect(paper.code).toBe(2);
    }, 60_000);
  });

  it('--version prints the package version', async () => {
    const { version } = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const r = await npmStart(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n').at(-1)).toBe(version);
  }, 60_000);

  describe('output paths are checked before the run starts', () => {
    it('refuses a --summary-json whose folder does not exist or that is a directory, naming the path and why', async () => {
      const noFolder = await bot(['--summary-json', 'out/s.json', '--runs-dir', 'runs'], dir);
      expect(noFolder.code).toBe(2);
      expect(noFolder.stderr).toContain(`--summary-json out/s.json: its folder ${path.join(dir, 'out')} does not exist`);
      const isDir = await bot(['--summary-json', '.', '--runs-dir', 'runs'], dir);
      expect(isDir.code).toBe(2);
      expect(isDir.stderr).toContain('--summary-json .: is a directory');
      expect(fs.readdirSync(dir)).toEqual([]); // no run folder: nothing started
    }, 60_000);

    it('refuses a --runs-dir that is a file', async () => {
      fs.writeFileSync(path.join(dir, 'runs'), '');
      const r = await bot(['--runs-dir', 'runs'], dir);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('--runs-dir runs: is a file, not a folder');
    }, 60_000);

    it('refuses folders the user cannot write in', async () => {
      // root may write anywhere but where the kernel refuses everyone (the root of /proc/sys); others get a locked folder.
      let locked = '/proc/sys';
      if (process.getuid?.() !== 0) {
        locked = path.join(dir, 'locked');
        fs.mkdirSync(locked, { mode: 0o555 });
      }
      const summary = await bot(['--summary-json', path.join(locked, 's.json'), '--runs-dir', dir], dir);
      expect(summary.code).toBe(2);
      expect(summary.stderr).toContain(`--summary-json ${path.join(locked, 's.json')}: cannot write in ${locked} (permission denied)`);
      const runs = await bot(['--runs-dir', path.join(locked, 'runs')], dir);
      expect(runs.code).toBe(2);
      expect(runs.stderr).toContain(`--runs-dir ${path.join(locked, 'runs')}: cannot write in ${locked} (permission denied)`);
    }, 60_000);
  });

  it('refuses an unknown --sim-model key, listing the known keys', async () => {
    const r = await bot(['--sim-model', '{"basisTau":1}', '--runs-dir', dir], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown key "basisTau" (did you mean basisTauSec?); known keys: stepMs, volatilityPct');
    expect(fs.readdirSync(dir)).toEqual([]);
  }, 60_000);

  it('documents the --sim-model keys and what A>B means in --help', async () => {
    const r = await bot(['--help'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--sim-model keys[\s\S]*basisTauSec\s+4\s+mean-reversion time/);
    expect(r.stdout).toContain('A>B (AOverB) = long A / short B');
  }, 60_000);

  describe('live mode', () => {
    const LIVE_CONFIG = [
      'bots:',
      '  - pair: BTC-PERP',
      '  - pair: ETH-PERP',
      '    position_size: 0.01',
      'risk:',
      '  max_position_base:',
      '    BTC-PERP: 0.001',
      '    ETH-PERP: 0.01',
      '  max_notional_usd: 500',
      '  max_loss_usd: 50',
      // Venues on a closed loopback port: the run fails at its first request and nothing leaves the machine.
      'venues:',
      '  paradex: { rest_url: "http://127.0.0.1:1/v1", ws_url: "ws://127.0.0.1:1/v1" }',
      '  vest: { rest_url: "http://127.0.0.1:1/v2", ws_url: "ws://127.0.0.1:1/ws-api?version=1.0" }',
      '',
    ];
    // Well-formed throwaway keys, never funded anywhere.
    const LIVE_ENV = [
      'VEST_PRIMARY_ADDR=0x1111111111111111111111111111111111111111',
      'VEST_PRIMARY_KEY=0x2222222222222222222222222222222222222222222222222222222222222222',
      'VEST_SIGNING_KEY=0x3333333333333333333333333333333333333333333333333333333333333333',
      'PARADEX_PRIVATE_KEY=0x1234',
      'PARADEX_ACCOUNT_ADDRESS=0x5678',
      '',
    ];

    it('prints each pair\'s position limit and the env file it read', async () => {
      fs.writeFileSync(path.join(dir, 'config.yaml'), LIVE_CONFIG.join('\n'));
      fs.writeFileSync(path.join(dir, 'live.env'), LIVE_ENV.join('\n'));
      const r = await bot(['live', '--live', '--config', 'config.yaml', '--env-file', 'live.env', '--runs-dir', 'runs'], dir);
      expect(r.stdout).toContain(`env file: ${path.join(dir, 'live.env')} (5 variables set)`);
      expect(r.stdout).toContain('max position per pair: BTC-PERP 0.001, ETH-PERP 0.01 (base, per leg)');
      expect(r.stdout).not.toContain('[object Object]');
      expect(r.code).toBe(1); // the venues cannot be reached
    }, 60_000);

    it('refuses an unknown config key, naming it and the key probably meant (exit 2)', async () => {
      fs.writeFileSync(path.join(dir, 'config.yaml'), LIVE_CONFIG.join('\n').replace('    position_size: 0.01', '    position_size: 0.01\n    spread_entyr: 0.10'));
      fs.writeFileSync(path.join(dir, 'live.env'), LIVE_ENV.join('\n'));
      const r = await bot(['live', '--live', '--config', 'config.yaml', '--env-file', 'live.env', '--runs-dir', 'runs'], dir);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('config error: config.yaml: bots[1].spread_entyr = 0.1: unknown key (did you mean bots[1].spread_entry?)');
      expect(r.stdout).not.toContain('LIVE TRADING');
      expect(fs.existsSync(path.join(dir, 'runs'))).toBe(false);
    }, 60_000);
  });

  it('in sim mode: warns about an unknown key with the key meant and runs on; prints the run folder first, links runs/latest; --log-level warn hides routine events', async () => {
    fs.writeFileSync(path.join(dir, 'config.yaml'), 'bots:\n  - pair: BTC-PERP\n    spread_entyr: 0.10\n');
    const r = await bot(
      ['sim', '--config', 'config.yaml', '--duration', '2', '--log-level', 'warn', '--runs-dir', 'runs', '--summary-json', 's.json', '--sim-model', FAST_MARKET],
      dir,
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('config warning: unknown key bots[0].spread_entyr is ignored (did you mean bots[0].spread_entry?)');
    const runFolder = /^run folder: (.+)$/m.exec(r.stdout)?.[1];
    expect(runFolder).toBeDefined();
    // Printed at the start, before any status line.
    expect(r.stdout.indexOf('run folder:')).toBeLessThan(r.stdout.indexOf('[status]'));
    expect(fs.readlinkSync(path.join(dir, 'runs', 'latest'))).toBe(path.basename(runFolder!));
    // Without a terminal, status lines carry the time as event lines do.
    expect(r.stdout).toMatch(/^\[status\] \d{2}:\d{2}:\d{2}\.\d{3} BTC-PERP /m);
    // warn: no routine [event] line on the console, while events.ndjson has them all.
    expect(r.stdout).not.toContain('BOT_STARTED');
    expect(fs.readFileSync(path.join(runFolder!, 'events.ndjson'), 'utf8')).toContain('"BOT_STARTED"');
    expect(JSON.parse(fs.readFileSync(path.join(dir, 's.json'), 'utf8'))).toMatchObject({ mode: 'sim' });
  }, 90_000);

  it('on an 80-column terminal, redraws the status in place: one unwrapped line per pair, however long the run', async () => {
    const command = [
      'stty cols 80 rows 24;',
      `exec "${process.execPath}" -r "${TS_NODE}" "${MAIN}"`,
      `--seed 7 --duration 8 --runs-dir "${path.join(dir, 'runs')}" --sim-model '${FAST_MARKET}'`,
    ].join(' ');
    const r = await finished(
      spawn('script', ['-qefc', command, '/dev/null'], { cwd: dir, env: { PATH: process.env.PATH ?? '', TERM: 'xterm', TS_NODE_PROJECT: path.join(ROOT, 'tsconfig.json') } }),
    );
    expect(r.code).toBe(0);
    const term = new Terminal({ cols: 80, rows: 24, scrollback: 5000, allowProposedApi: true });
    try {
      await new Promise<void>((resolve) => term.write(r.stdout, resolve));
      const b = term.buffer.active;
      const rows = Array.from({ length: b.length }, (_, i) => ({ text: b.getLine(i)!.translateToString(true), wrapped: b.getLine(i)!.isWrapped }));
      const status = rows.flatMap((row, i) => (/^BTC-PERP (WATCHING|OPENING|OPEN|CLOSING)/.test(row.text) ? [i] : []));
      // 30 redraws or more happened (every 250 ms for 8 s); exactly one line is left: the last state.
      expect(status).toHaveLength(1);
      expect(rows[status[0]! + 1]?.wrapped ?? false).toBe(false);
      // Watching, it shows the net spread (`net V>P -0.0274%`, or `n/a` while a book is stale: a loaded machine
      // can leave the last redraw there); with a position open, the position (`pos V>P 0.001`).
      expect(rows[status[0]!]!.text).toMatch(/(V>P|P>V) (-?\d+\.\d{3,4}%|n\/a)|pos (V>P|P>V) \d/);
      // Some redraw during the run (overdrawn since, but still in the bytes written) showed a net spread figure.
      expect(r.stdout).toMatch(/net (V>P|P>V) -?\d+\.\d{3,4}%/);
      expect(rows[status[0]!]!.text.length).toBeLessThanOrEqual(80);
      expect(rows.some((row) => row.text.startsWith('run folder:'))).toBe(true);
    } finally {
      term.dispose();
    }
  }, 90_000);
});
