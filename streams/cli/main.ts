#!/usr/bin/env node
/**
 * Process entry (`npm start`, the package bin). Commands:
 *   sim    (default without --config) embedded simulated venues over loopback, throwaway keys, real signatures
 *   paper  (default with --config) real public feeds, simulated fills, no keys
 *   live   real orders: needs --live, keys in the environment and explicit risk limits in the config
 *   halts  lists the halts on record (journals of --journal-dir, default the config's journal_dir)
 *   resume --pair P  clears P's halt once both venues agree with the journal (keys from .env, as live;
 *          with --venues, the running simulated venues and the sim keys beside the journal)
 *   status  a running bot's /api/status (when one answers) and the journals: pairs, positions, PnL, halts
 *   positions  each pair's journal against both venues' positions (venues reached as resume does;
 *          exit 0 agree, 1 a venue could not be read, 2 they disagree)
 * Exit codes: 0 clean stop; 1 runtime failure (resume: a venue could not be read); 2 bad flag or config, or
 *   the journal folder is in use by another running bot
 * (resume: refused, the venues and the journal disagree); 3 clean stop but a file output (events.ndjson,
 * bot.log, report.html, the summary JSON) could not be fully written (full disk); 4 the run left unhedged
 * exposure or an operation it could not finish within execution.shutdown_grace_ms (printed and journalled);
 * 130 a second Ctrl-C with nothing left exposed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, InvalidArgumentError, CommanderError } from 'commander';
import { MAX_TIMER_MS, MAX_TIMER_SEC, TIMER_LIMIT_TEXT } from '../../src/domain/durations';
import { configuredUsdcUsd, usdcUsdText } from '../../src/domain/market';
import { defaultConfig, readYaml, credentialsFromEnv, envSettings, resolveEndpoints, ConfigError, type BotConfig, type VenueCredentials, type VenueEndpoints } from '../../src/config';
import { loadConfigFile, loadDotEnv, type DotEnvResult } from '../../src/config/load';
import { outputDirProblem, outputFileProblem } from '../../src/config/output-paths';
import { JournalInUseError } from '../../src/execution/journal-lock';
import { resolveWebhooks, type ResolvedWebhook } from '../../src/config/alerts';
import { API_TOKEN_ENV, apiSecurityProblem } from '../../src/ops/auth';
import { Outputs, type TextOutput } from '../../src/logging/output';
import { errorText, redactText } from '../../src/logging/redact';
import { parseSimModel as parseSimModelJson, simModelHelp, SimModelError } from '../../src/sim/model-overrides';
import type { RunMode, RunOptions, RunResult } from './run';
import { onStopSignals, reportRun } from './run-exit';
import type { VenueSetup } from '../venues';
import { fundingWsRunOption, operatorCommands, withFundingWsFlag } from './commands';
import type { SimKeys, SimVenueUrls } from '../../src/venues/sim-connect';

const USAGE_EXIT = 2;

/** Seconds that become a timer's delay: > 0 and at most MAX_TIMER_SEC. */
function timerSeconds(name: string, hint: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive number, got ${JSON.stringify(v)}`);
    if (n * 1000 > MAX_TIMER_MS) {
      throw new InvalidArgumentError(`${name} must be at most ${MAX_TIMER_SEC} seconds (${TIMER_LIMIT_TEXT})${hint}, got ${JSON.stringify(v)}`);
    }
    return n;
  };
}

function nonNegativeInt(name: string, max = Number.MAX_SAFE_INTEGER, rule = '') {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a whole number >= 0, got ${JSON.stringify(v)}`);
    if (n > max) throw new InvalidArgumentError(`${name} must be at most ${max}${rule}, got ${JSON.stringify(v)}`);
    return n;
  };
}

const LOG_LEVELS = ['error', 'warn', 'info', 'debug'];

function parseSimModel(v: string): Record<string, number> {
  try {
    return parseSimModelJson(v);
  } catch (err) {
    if (err instanceof SimModelError) throw new InvalidArgumentError(err.message.replace(/^--sim-model: /, ''));
    throw err;
  }
}

/** The package's version, from the package.json above this file (streams/ under ts-node, dist/streams/ when built). */
function packageVersion(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'vest-paradex-arb' && pkg.version) return pkg.version;
    } catch {
      // Not here: look further up.
    }
    if (path.dirname(dir) === dir) return 'unknown';
  }
}

function describeEnvFile(file: string, loaded: DotEnvResult): string {
  const where = path.resolve(file);
  if (!loaded.found) return `env file: none found at ${where} (using the environment only)`;
  const kept = loaded.kept.length > 0 ? `, ${loaded.kept.length} already set in the environment and kept` : '';
  return `env file: ${where} (${loaded.applied.length} variable${loaded.applied.length === 1 ? '' : 's'} set${kept})`;
}

function fail(message: string, code = USAGE_EXIT): never {
  process.stderr.write(`${redactText(message)}\n`);
  process.exit(code);
}

/** Live trading refuses to start unless the config states every limit explicitly. */
function liveLimits(configText: string): string[] {
  const raw = (readYaml(configText) ?? {}) as { risk?: Record<string, unknown> };
  const risk = raw.risk ?? {};
  return ['max_position_base', 'max_notional_usd', 'max_loss_usd'].filter((k) => risk[k] === undefined);
}

/** The command line: the run's flags (each checked as it is parsed) and its help. */
function botProgram(): Command {
  return withFundingWsFlag(new Command())
    .name('vest-paradex-arb')
    .description('Delta-neutral Vest <-> Paradex perp arbitrage bot')
    .option('--config <path>', 'config.yaml in the original bot format')
    .option('--duration <seconds>', 'stop after this many seconds', timerSeconds('--duration', '; leave it out to run until stopped'))
    .option('--summary-json <path>', 'write the run summary as JSON here')
    .option('--seed <n>', 'simulated market seed', nonNegativeInt('--seed'), 1)
    .option('--log-level <level>', `bot.log and console level (${LOG_LEVELS.join('|')}); warn hides routine [event] lines`, 'info')
    .option('--sample-ms <ms>', 'tick sampling period; 0 = every book update', nonNegativeInt('--sample-ms', MAX_TIMER_MS, ` (${TIMER_LIMIT_TEXT})`))
    .option('--close-on-exit', 'close open positions on shutdown instead of leaving them open', false)
    .option('--live', 'confirm live trading with real money (live mode only)', false)
    .option('--runs-dir <dir>', 'where run folders are written', 'runs')
    .option('--env-file <path>', '.env file with the original bot variable names; a file named here must exist', '.env')
    .option('--sim-model <json>', 'sim mode: market model overrides as JSON, e.g. \'{"basisTauSec":1}\' (keys below)', parseSimModel)
    .version(packageVersion(), '-V, --version', 'print the version and exit')
    .addHelpText(
      'after',
      [
        '',
        'Status line: spreads are net of fees. A>B (AOverB) = long A / short B, where A = dex_a',
        '(default vest) and B = dex_b (default paradex): V>P = long vest / short paradex.',
        'rPnL = realised net PnL, uPnL = the open position marked to the books (unrealised net).',
        '',
        '--sim-model keys (default, meaning):',
        simModelHelp(),
      ].join('\n'),
    )
    .option('--venues <json|path>', 'sim mode: trade on simulated venues already running (the JSON line `npm run venues` prints, or a file holding it)')
    .option('--journal-dir <dir>', "journal directory (default: the run folder; live: journal_dir); with --venues it also keeps this bot's sim keys (sim-keys.json)")
    .option('--api-port <port>', 'HTTP API port (default: api.port; 0 = any free port)', nonNegativeInt('--api-port', 65535))
    .option('--no-api', 'start no HTTP API (metrics, status, dashboard, control)')
    .option('--record <dir>', 'record every frame the venues send (book feeds, with their connects and disconnects) into this folder, for replay')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
}

export async function main(argv: string[]): Promise<void> {
  // First thing: a closed stdout or stderr (`| head -1`, a `| tee` killed by Ctrl-C) must not kill the bot.
  const outputs = new Outputs();
  const stdout = outputs.stream('stdout', process.stdout);
  const stderr = outputs.stream('stderr', process.stderr);
  outputs.reportTo('stderr', (line) => stderr.write(`${line}\n`));
  const program = botProgram();
  const io: Console = { outputs, stdout, stderr };
  const command = commands(program, io);
  // `npm start` runs `main.ts --` so that Node, which reads `--env-file` anywhere on its own command line
  // (Node 20), stops at the `--` and leaves the flag to us; the separator itself is not an operand.
  const args = argv[2] === '--' ? [...argv.slice(0, 2), ...argv.slice(3)] : argv;
  try {
    program.parse(args);
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') process.exit(0);
      process.exit(USAGE_EXIT);
    }
    throw err;
  }
  await command.running;
}

/** The commands: a run (the default, sim, paper, live), halts, resume. The one the arguments name is started into `running`. */
function commands(program: Command, io: Console): { running?: Promise<void> } {
  const command: { running?: Promise<void> } = {};
  const start = (mode: RunMode | undefined) => () => {
    command.running = runBot(program, io, mode);
  };
  program.action(start(undefined));
  program.command('sim').description('trade embedded simulated venues (the default without --config)').action(start('sim'));
  program.command('paper').description('real public feeds, simulated fills (the default with --config)').action(start('paper'));
  program.command('live').description('real orders with real money: needs --live, keys in .env and explicit risk limits').action(start('live'));
  program
    .command('replay')
    .description('backtest: replay a recording (--record) through the same decoders and bot, in virtual time, with paper fills')
    .requiredOption('--data <dir>', 'the recording folder (*.vrec.gz files)')
    .option('--latency-ms <ms>', 'time from an order to its fill on the recorded book, ms', nonNegativeInt('--latency-ms', MAX_TIMER_MS), 0)
    .option('--sweep <grid>', "replay every point of a grid, e.g. 'bots[0].spread_entry=0.04..0.12:0.01,bots[0].spread_exit=-0.04..0:0.01'")
    .option('--workers <n>', 'sweep threads (default: one per core)', nonNegativeInt('--workers', 256))
    .action((o: ReplayFlags) => {
      command.running = o.sweep !== undefined ? sweepCommand(program, io, o) : runBot(program, io, 'replay', o);
    });
  program
    .command('halts')
    .description("list the halts on record with their reasons (the journals in --journal-dir, default the config's journal_dir)")
    .option('--journal-dir <dir>', "journal folder (default: the config's journal_dir)")
    .action((o: { journalDir?: string }) => {
      // Given after the command or before it (the run's --journal-dir): the same folder.
      command.running = haltsCommand(program, io, o.journalDir ?? program.opts<Flags>().journalDir);
    });
  program
    .command('resume')
    .description("clear a pair's halt once both venues agree with the journal; without --pair, list the halts")
    .option('--pair <pair>', 'the pair to resume, e.g. BTC-PERP')
    .option('--journal-dir <dir>', "journal folder (default: the config's journal_dir)")
    .option('--reset-loss-budget', "also start the pair's loss budget (risk.max_loss_usd) again at $0")
    .option('--accept-flat', 'accept that the position on record was closed by hand at the venues (both legs must read flat; its PnL is journalled as unknown)')
    .action((o: { pair?: string; journalDir?: string; resetLossBudget?: boolean; acceptFlat?: boolean }) => {
      const journalDir = o.journalDir ?? program.opts<Flags>().journalDir;
      if (o.pair === undefined && (o.resetLossBudget === true || o.acceptFlat === true)) fail(`${o.acceptFlat === true ? '--accept-flat' : '--reset-loss-budget'} needs --pair: it acts on one pair`);
      const flags = { resetLossBudget: o.resetLossBudget === true, acceptFlat: o.acceptFlat === true };
      command.running = o.pair === undefined ? haltsCommand(program, io, journalDir) : resumeCommand(program, io, o.pair, journalDir, flags);
    });
  operatorCommands(program, {
    status: (o) => (command.running = statusCommand(program, io, o.journalDir ?? program.opts<Flags>().journalDir, o.apiUrl)),
    positions: (o) => (command.running = positionsCommand(program, io, o.journalDir ?? program.opts<Flags>().journalDir)),
  });

  return command;
}

/** The process's guarded console (a closed stdout or stderr never kills it). */
interface Console {
  readonly outputs: Outputs;
  readonly stdout: TextOutput;
  readonly stderr: TextOutput;
}

interface Flags {
  config?: string;
  duration?: number;
  summaryJson?: string;
  seed: number;
  logLevel: string;
  sampleMs?: number;
  closeOnExit: boolean;
  live: boolean;
  runsDir: string;
  envFile: string;
  simModel?: Record<string, number>;
  venues?: string;
  journalDir?: string;
  apiPort?: number;
  api: boolean;
  record?: string;
}

interface ReplayFlags {
  data: string;
  latencyMs: number;
  sweep?: string;
  workers?: number;
}

/** `replay --sweep`: the grid replayed on worker threads; sweep.csv and sweep.html in a folder of the runs dir. */
async function sweepCommand(program: Command, io: Console, o: ReplayFlags): Promise<void> {
  const flags = program.opts<Flags>();
  const { parseSweepSpec, runSweep, sweepTable, writeSweep, writeSweepReport, SweepSpecError } = await import('./sweep');
  let axes;
  try {
    axes = parseSweepSpec(o.sweep!);
  } catch (e) {
    if (e instanceof SweepSpecError) fail(e.message);
    throw e;
  }
  if (!(fs.existsSync(o.data) && fs.statSync(o.data).isDirectory())) fail(`--data ${o.data}: not a folder`);
  const rawConfig = flags.config ? readYaml(fs.readFileSync(flags.config, 'utf8')) : { bots: [{ pair: 'BTC-PERP' }] };
  const { indexRecording } = await import('./replay');
  const index = indexRecording(o.data);
  const dir = path.resolve(flags.runsDir, `sweep-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  io.stdout.write(`sweep: ${axes.map((a) => `${a.path} (${a.values.length})`).join(' × ')} over ${o.data}; results in ${dir}\n`);
  const job = { rawConfig, dataDir: o.data, latencyMs: o.latencyMs, ...(flags.sampleMs !== undefined ? { sampleMs: flags.sampleMs } : {}), runsDir: path.join(dir, 'runs') };
  const rows = await runSweep(axes, job, o.workers || undefined);
  const meta = { dataDir: path.resolve(o.data), fromMs: index.fromMs, toMs: index.toMs, latencyMs: o.latencyMs, funding: index.funding };
  const out = writeSweep(dir, axes, rows, meta);
  // The best point's run report, with the sweep's table and heatmap in it.
  const report = await writeSweepReport(dir, axes, rows, job, meta);
  io.stdout.write(`${sweepTable(axes, rows)}\n${rows.filter((r) => r.skipped).length} point(s) skipped (see sweep.csv)\n${out.csv}\n${out.html}\n${report ?? 'no report.html: no point was replayed'}\n`);
  process.exit(0);
}

/** The config file (or the defaults without one); exits 2 on a bad file. Live refuses unknown keys. */
function loadConfig(io: Console, flags: Flags, mode: RunMode | 'command'): { config: BotConfig; configText: string | undefined } {
  try {
    if (flags.config) {
      const loaded = loadConfigFile(flags.config);
      // Live money is not traded on a config with a typo in it: an unknown key is an error there.
      if (mode === 'live' && loaded.unknownKeys.length > 0) throw new ConfigError(loaded.unknownKeys).withSource(flags.config);
      loaded.warnings.forEach((w) => io.stderr.write(`config warning: ${w}\n`));
      return { config: loaded.config, configText: fs.readFileSync(flags.config, 'utf8') };
    }
    return { config: defaultConfig(), configText: undefined };
  } catch (e) {
    if (e instanceof ConfigError) fail(e.message);
    throw e;
  }
}

/** Reads the env file (a file named with --env-file must exist), and says which. */
function loadEnv(program: Command, io: Console, flags: Flags, mode: RunMode | 'command'): void {
  const envFileNamed = program.getOptionValueSource('envFile') === 'cli';
  let loaded: DotEnvResult;
  try {
    loaded = loadDotEnv(flags.envFile, process.env, { required: envFileNamed });
  } catch (e) {
    if (e instanceof ConfigError) fail(e.message);
    throw e;
  }
  loaded.warnings.forEach((w) => io.stderr.write(`env file warning: ${w}\n`));
  io.stdout.write(`${describeEnvFile(flags.envFile, loaded)}${mode === 'sim' ? '; sim mode uses no keys' : ''}\n`);
}

/** `make()`, or exit 2 with its config error (a webhook's variable missing: named, never its value). */
function orFail<T>(make: () => T): T {
  try {
    return make();
  } catch (e) {
    if (e instanceof ConfigError) fail(e.message);
    throw e;
  }
}

function endpointsOrFail(config: BotConfig): VenueEndpoints {
  return orFail(() => resolveEndpoints(config, envSettings(process.env)));
}

function credentialsOrFail(): VenueCredentials {
  return orFail(() => credentialsFromEnv(process.env));
}

async function haltsCommand(program: Command, io: Console, journalDir: string | undefined): Promise<void> {
  const { config } = loadConfig(io, program.opts<Flags>(), 'command');
  const dir = path.resolve(journalDir ?? config.journalDir);
  const { haltLines, listHalts, lossBudgetLines } = await import('./halts');
  const records = listHalts(config, dir);
  io.stdout.write(`halts on record in ${dir}:\n${haltLines(records).join('\n')}\n${lossBudgetLines(records, config.risk.maxLossUsd).join('\n')}\n`);
  process.exit(0);
}

/**
 * How `resume` reaches the venues: as the live run does (endpoints from the config, keys from .env);
 * with --venues, the running simulated venues of a rehearsal, with the sim keys kept beside the journal.
 */
async function resumeVenueSetup(program: Command, io: Console, config: BotConfig, journalDir: string): Promise<VenueSetup> {
  const flags = program.opts<Flags>();
  if (flags.venues !== undefined) {
    const { loadSimKeys, parseSimVenueUrls } = await import('../../src/venues/sim-connect');
    try {
      return { kind: 'sim-running', urls: parseSimVenueUrls(flags.venues), keys: loadSimKeys(journalDir) };
    } catch (e) {
      if (e instanceof ConfigError) fail(e.message);
      throw e;
    }
  }
  loadEnv(program, io, flags, 'command');
  return { kind: 'live', endpoints: endpointsOrFail(config), credentials: credentialsOrFail() };
}

/** A command that reads the venues against the journal (resume, positions): exit with its code, 1 when it throws. */
type VenueCheck = (config: BotConfig, dir: string, venues: VenueSetup) => Promise<{ code: number; lines: readonly string[] }>;
async function venueCommand(program: Command, io: Console, journalDir: string | undefined, what: string, check: VenueCheck): Promise<void> {
  const { config } = loadConfig(io, program.opts<Flags>(), 'command');
  const dir = path.resolve(journalDir ?? config.journalDir);
  const venues = await resumeVenueSetup(program, io, config, dir);
  try {
    const outcome = await check(config, dir, venues);
    (outcome.code === 0 ? io.stdout : io.stderr).write(`${outcome.lines.join('\n')}\n`);
    process.exit(outcome.code);
  } catch (err) {
    io.stderr.write(`${what} failed: ${errorText(err)}\n`);
    process.exit(1);
  }
}

function resumeCommand(program: Command, io: Console, pair: string, journalDir: string | undefined, flags: { resetLossBudget: boolean; acceptFlat: boolean }): Promise<void> {
  return venueCommand(program, io, journalDir, 'resume', async (config, dir, venues) => (await import('./halts')).resumePair({ config, pair, journalDir: dir, venues, ...flags }));
}

function positionsCommand(program: Command, io: Console, journalDir: string | undefined): Promise<void> {
  return venueCommand(program, io, journalDir, 'positions', async (config, dir, venues) => (await import('./positions')).checkPositions({ config, journalDir: dir, venues }));
}

async function statusCommand(program: Command, io: Console, journalDir: string | undefined, apiUrl: string | undefined): Promise<void> {
  const flags = program.opts<Flags>();
  const { config } = loadConfig(io, flags, 'command');
  const { statusReport } = await import('./status');
  const token = process.env[API_TOKEN_ENV] === '' ? undefined : process.env[API_TOKEN_ENV];
  io.stdout.write(await statusReport({ config, journalDir: path.resolve(journalDir ?? config.journalDir), apiUrl, apiPort: flags.apiPort, token }));
  process.exit(0);
}

/** A run as the flags ask for it, every refusal already made. */
interface RunPlan {
  readonly mode: RunMode;
  readonly flags: Flags;
  readonly config: BotConfig;
  readonly credentials?: VenueCredentials;
  readonly endpoints?: VenueEndpoints;
  readonly simVenues?: { urls: SimVenueUrls; keys: SimKeys };
  readonly api?: NonNullable<RunOptions['api']>;
  readonly replay?: ReplayFlags;
  readonly alerts?: readonly ResolvedWebhook[];
}

/** The run command: checks the flags (exit 2 on a refusal), runs, reports, and exits with the run's code. */
async function runBot(program: Command, io: Console, modeArg: RunMode | undefined, replay?: ReplayFlags): Promise<void> {
  const plan = { ...(await runPlan(program, io, modeArg)), ...(replay ? { replay } : {}) };
  if (replay) {
    const problem = fs.existsSync(replay.data) && fs.statSync(replay.data).isDirectory() ? undefined : 'not a folder';
    if (problem) fail(`--data ${replay.data}: ${problem}`);
  }
  io.stdout.write(`vest-paradex-arb: ${plan.mode} mode, pairs ${plan.config.bots.map((b) => b.pair).join(', ')}; Ctrl-C to stop\n${usdcUsdText(configuredUsdcUsd(plan.config.market.usdcUsd))}: Paradex quotes USD, Vest USDC\n`);
  // Loaded only now: the venues, signing and the simulator are most of the start-up time, and help,
  // --version and every refusal above answer without them.
  const { startRun } = await import('./run');
  const handle = startRun(runOptions(plan, io));
  onStopSignals(handle, { graceMs: plan.config.execution.shutdownGraceMs, closeOnExit: plan.flags.closeOnExit, ...(plan.mode !== 'replay' && plan.flags.duration !== undefined ? { durationSec: plan.flags.duration } : {}) }, io.stderr);
  let result: RunResult;
  try {
    result = await handle.done;
  } catch (err) {
    if (err instanceof JournalInUseError) fail(err.message);
    io.stderr.write(`fatal: ${errorText(err)}\n`);
    process.exit(1);
  }
  reportRun(result, { mode: plan.mode, graceMs: plan.config.execution.shutdownGraceMs, ...(plan.flags.summaryJson !== undefined ? { summaryJson: plan.flags.summaryJson } : {}) }, io);
}

async function runPlan(program: Command, io: Console, modeArg: RunMode | undefined): Promise<RunPlan> {
  const flags = program.opts<Flags>();
  if (!LOG_LEVELS.includes(flags.logLevel)) fail(`--log-level must be one of ${LOG_LEVELS.join(', ')}; got ${JSON.stringify(flags.logLevel)}`);
  const mode: RunMode = modeArg ?? (flags.config ? 'paper' : 'sim');
  const { config, configText } = loadConfig(io, flags, mode);
  // Sim mode needs no keys and reads no .env, unless one is named: then it must be there, in every mode.
  const offline = mode === 'sim' || mode === 'replay';
  const alertsFromEnv = config.alerts.webhooks.some((w) => w.urlEnv !== undefined || w.botTokenEnv !== undefined);
  if (!offline || alertsFromEnv || program.getOptionValueSource('envFile') === 'cli') loadEnv(program, io, flags, mode);
  const alerts = orFail(() => resolveWebhooks(config.alerts, process.env));
  const endpoints = !offline ? endpointsOrFail(config) : undefined;
  if (flags.record !== undefined) {
    if (mode === 'replay') fail('--record does not apply to replay (its frames are recorded already)');
    const recordProblem = outputDirProblem(flags.record);
    if (recordProblem) fail(`--record ${flags.record}: ${recordProblem}`);
  }
  const credentials = mode === 'live' ? liveCredentials(io, flags, config, configText) : undefined;
  if (mode !== 'live' && flags.live) fail(`--live only applies to live mode (mode is ${mode})`);
  if (flags.simModel && mode !== 'sim') fail('--sim-model only applies to sim mode');
  // Checked now, not when the run ends: an hour of trading must not end in "cannot write".
  const summaryProblem = flags.summaryJson === undefined ? undefined : outputFileProblem(flags.summaryJson);
  if (summaryProblem) fail(`--summary-json ${flags.summaryJson}: ${summaryProblem}`);
  const runsDirProblem = outputDirProblem(flags.runsDir);
  if (runsDirProblem) fail(`--runs-dir ${flags.runsDir}: ${runsDirProblem}`);
  const simVenues = await runningSimVenues(flags, mode);
  const api = flags.api ? apiOrFail(config, flags) : undefined;
  return { mode, flags, config, ...(alerts.length > 0 ? { alerts } : {}), ...(api ? { api } : {}), ...(credentials ? { credentials } : {}), ...(endpoints ? { endpoints } : {}), ...(simVenues ? { simVenues } : {}) };
}

/** The API's address and token; a non-loopback address without ARB_API_TOKEN is a config error (exit 2). The token is never printed. */
function apiOrFail(config: BotConfig, flags: Flags): NonNullable<RunOptions['api']> {
  const token = process.env[API_TOKEN_ENV] === '' ? undefined : process.env[API_TOKEN_ENV];
  const problem = apiSecurityProblem(config.api.host, token);
  if (problem) fail(`config error: ${problem.path} = ${problem.value}: ${problem.rule}`);
  return { host: config.api.host, port: flags.apiPort ?? config.api.port, token, heartbeatMs: config.api.wsHeartbeatSec * 1000 };
}

/** Live trading: confirmed with --live, explicit limits in the config, keys from the environment; the limits are printed. */
function liveCredentials(io: Console, flags: Flags, config: BotConfig, configText: string | undefined): VenueCredentials {
  if (!flags.live) fail('live mode sends real orders: add --live to confirm');
  if (!configText) fail('live mode needs --config with explicit risk limits');
  const missing = liveLimits(configText);
  if (missing.length > 0) fail(`config error: live mode needs explicit limits: risk.${missing.join(', risk.')} not set`);
  const credentials = credentialsOrFail();
  io.stdout.write(
    [
      'LIVE TRADING with real money. Limits in force:',
      `  max position per pair: ${config.bots.map((b) => `${b.pair} ${b.maxPositionBase}`).join(', ')} (base, per leg)`,
      `  max notional per leg:  $${config.risk.maxNotionalUsd}`,
      `  max realised loss:     $${config.risk.maxLossUsd}`,
      `  pairs: ${config.bots.map((b) => `${b.pair} size ${b.positionSize}`).join(', ')}`,
      '',
    ].join('\n'),
  );
  return credentials;
}

/** External simulated venues outlive the bot, so its journal and keys must too; embedded ones (and paper fills) do not. */
async function runningSimVenues(flags: Flags, mode: RunMode): Promise<RunPlan['simVenues']> {
  if (flags.venues === undefined) {
    if (flags.journalDir !== undefined && mode !== 'live') {
      fail(`--journal-dir in ${mode} mode needs --venues: ${mode === 'sim' ? 'the embedded simulated venues' : 'paper fills'} end with the process, so a kept journal could never match them`);
    }
    return undefined;
  }
  if (mode !== 'sim') fail(`--venues only applies to sim mode (mode is ${mode})`);
  if (flags.simModel) fail('--sim-model does not apply with --venues: the market is the running venues\' (npm run venues -- --seed N)');
  if (flags.journalDir === undefined) fail('--venues needs --journal-dir: the journal and the sim keys must outlive this run to resume it');
  // Loaded here, not at the top: the keys are checked with the signing libraries (see the lazy run below).
  const { loadOrCreateSimKeys, parseSimVenueUrls } = await import('../../src/venues/sim-connect');
  try {
    return { urls: parseSimVenueUrls(flags.venues), keys: loadOrCreateSimKeys(flags.journalDir) };
  } catch (e) {
    if (e instanceof ConfigError) fail(e.message);
    throw e;
  }
}

function runOptions({ mode, flags, config, credentials, endpoints, simVenues, api, replay, alerts }: RunPlan, io: Console): RunOptions {
  return {
    mode,
    ...(alerts ? { alerts } : {}),
    ...(api ? { api } : {}),
    ...(flags.record !== undefined ? { record: flags.record } : {}),
    ...fundingWsRunOption(mode, flags, fail),
    ...(replay ? { replay: { dataDir: replay.data, latencyMs: replay.latencyMs, seed: flags.seed } } : {}),
    config,
    ...(credentials ? { credentials } : {}),
    ...(endpoints ? { endpoints } : {}),
    seed: flags.seed,
    ...(flags.sampleMs !== undefined ? { sampleMs: flags.sampleMs } : {}),
    closeOnExit: flags.closeOnExit,
    ...(flags.duration !== undefined ? { durationSec: flags.duration } : {}),
    runsDir: flags.runsDir,
    logLevel: flags.logLevel,
    statusOut: io.stdout,
    outputs: io.outputs,
    ...(flags.simModel ? { simModel: flags.simModel } : {}),
    ...(simVenues ? { simVenues } : {}),
    ...(flags.journalDir !== undefined ? { journalDir: flags.journalDir } : {}),
  };
}

if (require.main === module) {
  void main(process.argv);
}
