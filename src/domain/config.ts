/**
 * Bot configuration: the original bot's config.yaml format (original-bot.md §4) plus the fields this
 * project adds, and the `.env` variables. Pure: text and env maps in, typed values out. Reading files
 * lives in src/config/load.ts.
 *
 * YAML keys are snake_case (the original's format); the parsed `BotConfig` is camelCase. Every value
 * the original required now has a default, so a minimal file is just `bots: [{ pair: BTC-PERP }]`.
 */
import { closest, distance } from 'fastest-levenshtein';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { MAX_TIMER_MS, MAX_TIMER_SEC, TIMER_LIMIT_TEXT } from './durations';
import { isPrivateKey } from './keys';
import type { VenueId } from './market';

// ---------------------------------------------------------------------------------------------
// Venue endpoints (venues.md §1.1, §2.1)

export const PARADEX_ENDPOINTS = {
  prod: { restUrl: 'https://api.prod.paradex.trade/v1', wsUrl: 'wss://ws.api.prod.paradex.trade/v1' },
  testnet: { restUrl: 'https://api.testnet.paradex.trade/v1', wsUrl: 'wss://ws.api.testnet.paradex.trade/v1' },
} as const;

/** Vest WS needs `xwebsocketserver=restserver{account_group}` (venues.md §2.2). */
export function vestEndpoints(production: boolean, accountGroup = 0): { restUrl: string; wsUrl: string } {
  const env = production ? 'prod' : 'dev';
  return {
    restUrl: `https://server-${env}.hz.vestmarkets.com/v2`,
    wsUrl: `wss://ws-${env}.hz.vestmarkets.com/ws-api?version=1.0&xwebsocketserver=restserver${accountGroup}`,
  };
}

export const VEST_ENDPOINTS = {
  prod: vestEndpoints(true, 0),
  dev: vestEndpoints(false, 0),
} as const;

// ---------------------------------------------------------------------------------------------
// Parsed configuration (what the bot uses)

/** One `bots[]` entry: one pair traded between two venues. */
export interface PairConfig {
  readonly id: string;
  /** Configured pair, e.g. 'BTC-PERP' (Vest's symbol; Paradex's is derived by `venueSymbol`). */
  readonly pair: string;
  readonly dexA: VenueId;
  readonly dexB: VenueId;
  /** Entry threshold, percent (0.06 = 0.06 %). */
  readonly spreadEntry: number;
  /** Exit target, percent; usually negative. */
  readonly spreadExit: number;
  /** Entries above this spread are ignored as suspect (stale or broken quote); percent. */
  readonly spreadEntryMax: number | undefined;
  /** The margin pre-flight's leverage: each leg needs notional / leverage of free margin before an entry.
   *  The bot does not set the venues' account leverage: set it there to match. */
  readonly leverage: number;
  /** Base size per leg. */
  readonly positionSize: number;
  readonly entryConfirmTicks: number;
  readonly exitConfirmTicks: number;
  /** Worst-price cap of each order, PERCENT (YAML `slippage_buffer_pct` is a fraction: 0.005 -> 0.5).
   *  From the pair's own slippage_buffer_pct, else execution.slippage_buffer_pct. */
  readonly slippagePct: number;
  /** Largest base position per leg allowed on this pair; defaults to `positionSize`. */
  readonly maxPositionBase: number;
}

export interface RiskConfig {
  readonly adlWarning: number;
  readonly adlCritical: number;
  readonly maxDurationHours: number;
  /** Per-pair cap as configured (`risk.max_position_base`); resolved into each `PairConfig.maxPositionBase`. */
  readonly maxPositionBase: Readonly<Record<string, number>> | number | undefined;
  /** Largest notional per leg, USD. */
  readonly maxNotionalUsd: number;
  /** Realised loss that halts trading, USD. */
  readonly maxLossUsd: number;
  /** Pause after an automatic halt before trading may resume, seconds. */
  readonly haltCooldownSec: number;
}

export interface ApiConfig {
  readonly port: number;
  readonly wsHeartbeatSec: number;
}

export interface ExecutionConfig {
  /** Deadline for one order leg, ms. */
  readonly legTimeoutMs: number;
  /** Retries of a failed close leg before CLOSE_FAILED. */
  readonly closeRetries: number;
  /** First backoff between close retries, ms. */
  readonly closeBackoffMs: number;
  /** Tick sampling period, ms; 0 = evaluate on every book update. */
  readonly sampleMs: number;
  /** Books older than this are not traded on, ms. */
  readonly maxBookAgeMs: number;
  /** A feed with no update for this long is reported stale, ms. */
  readonly staleAfterMs: number;
  /** Pause after a round trip before watching for the next entry, ms. */
  readonly cooldownMs: number;
  /** Default worst-price cap of each order, PERCENT (YAML fraction 0.005 -> 0.5); pairs may override. */
  readonly slippagePct: number;
  /**
   * On SIGINT/SIGTERM, how long an entry, unwind or close in flight may take to finish before the
   * process exits anyway (exit code 4, with what it leaves printed and journalled), ms.
   */
  readonly shutdownGraceMs: number;
}

export interface ParadexVenueConfig {
  /** Undefined = chosen by PARADEX_PRODUCTION (see `resolveEndpoints`). */
  readonly restUrl: string | undefined;
  readonly wsUrl: string | undefined;
  readonly encoding: 'sbe' | 'json';
}

export interface VestVenueConfig {
  readonly restUrl: string | undefined;
  readonly wsUrl: string | undefined;
  /** Undefined = VEST_ACCOUNT_GROUP, else 0. */
  readonly accountGroup: number | undefined;
}

export interface BotConfig {
  readonly bots: readonly PairConfig[];
  readonly risk: RiskConfig;
  readonly api: ApiConfig;
  readonly execution: ExecutionConfig;
  readonly venues: { readonly paradex: ParadexVenueConfig; readonly vest: VestVenueConfig };
  readonly journalDir: string;
}

// ---------------------------------------------------------------------------------------------
// Errors

export interface ConfigIssue {
  /** Field path as the user wrote it, e.g. 'bots[1].spread_entry', or an env variable name. */
  readonly path: string;
  /** The offending value, already formatted (secrets are '<redacted>'). */
  readonly value: string;
  readonly rule: string;
}

/**
 * One line per problem: `config error: bots[1].spread_entry = -0.5: must be > 0 and < 100`.
 * With a source (the file's path) each line reads `config error: config.yaml: bots[1]…`.
 */
export class ConfigError extends Error {
  readonly issues: readonly ConfigIssue[];
  /** Set when the problem is not about one field (unreadable file, broken YAML). */
  readonly detail: string | undefined;
  readonly source: string | undefined;

  constructor(problem: readonly ConfigIssue[] | string, source?: string) {
    const prefix = source === undefined ? 'config error: ' : `config error: ${source}: `;
    super(
      typeof problem === 'string'
        ? prefix + problem
        : problem.map((i) => `${prefix}${i.path} = ${i.value}: ${i.rule}`).join('\n'),
    );
    this.name = 'ConfigError';
    this.issues = typeof problem === 'string' ? [] : problem;
    this.detail = typeof problem === 'string' ? problem : undefined;
    this.source = source;
  }

  /** The same problems, attributed to a file. */
  withSource(source: string): ConfigError {
    return new ConfigError(this.detail ?? this.issues, source);
  }
}

// ---------------------------------------------------------------------------------------------
// YAML schema (snake_case, as written by users)

const SUPPORTED_VENUES = ['vest', 'paradex'] as const;
/** The pairs the original's enum allowed and the simulator serves. */
export const KNOWN_PAIRS = ['BTC-PERP', 'ETH-PERP', 'SOL-PERP'] as const;
const PAIR_PATTERN = /^[A-Za-z0-9]+-PERP$/;
const ID_PATTERN = /^[A-Za-z0-9_.-]+$/;

// zod 4 numbers already refuse NaN and ±Infinity (YAML `.nan`, `.inf`).
const num = () => z.number({ error: 'must be a number' });
const int = () => z.number({ error: 'must be a number' }).int({ error: 'must be an integer' });

const venueId = z
  .string({ error: "must be 'vest' or 'paradex'" })
  .refine((v): v is VenueId => (SUPPORTED_VENUES as readonly string[]).includes(v), {
    error: (iss) =>
      iss.input === 'hyperliquid' || iss.input === 'lighter'
        ? `${String(iss.input)} is not supported: this bot trades only between vest and paradex`
        : "must be 'vest' or 'paradex'",
  });

const httpUrl = z.string({ error: 'must be a URL string' }).refine((v) => urlWithProtocol(v, ['http:', 'https:']), {
  error: 'must be an http:// or https:// URL',
});
const wsUrl = z.string({ error: 'must be a URL string' }).refine((v) => urlWithProtocol(v, ['ws:', 'wss:']), {
  error: 'must be a ws:// or wss:// URL',
});

function urlWithProtocol(value: string, protocols: readonly string[]): boolean {
  try {
    return protocols.includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

/**
 * A duration in ms that reaches a timer: an integer from `min` to MAX_TIMER_MS. Beyond it Node fires the
 * timer after 1 ms, so a huge timeout would act as no timeout at all.
 */
const timerMs = (min: 0 | 1, rule = `must be an integer >= ${min}`) =>
  int()
    .min(min, { error: rule })
    .max(MAX_TIMER_MS, { error: `must be at most ${MAX_TIMER_MS} (${TIMER_LIMIT_TEXT})` });

/** The same in seconds (any number, fractions allowed): at most MAX_TIMER_SEC. */
const timerSeconds = (positive: boolean) =>
  (positive ? num().gt(0, { error: 'must be > 0' }) : num().min(0, { error: 'must be >= 0' })).refine((sec) => sec * 1000 <= MAX_TIMER_MS, {
    error: `must be at most ${MAX_TIMER_SEC} (${TIMER_LIMIT_TEXT})`,
  });

/** A fraction, as in the original (0.005 = 0.5 %). Capped so that a percent typed by mistake (0.5) is refused. */
const slippageFraction = () =>
  num()
    .min(0, { error: 'must be a fraction from 0 to 0.05 (0.005 = 0.5 %)' })
    .max(0.05, { error: 'must be a fraction from 0 to 0.05 (0.005 = 0.5 %)' });

/** A YAML mapping; unknown keys are reported (as warnings, see parseConfigObject). */
const section = <T extends z.core.$ZodLooseShape>(shape: T) => z.strictObject(shape, { error: 'must be a mapping of key: value' });

const botSchema = section({
  id: z.string({ error: 'must be a string' }).regex(ID_PATTERN, { error: "must be non-empty and use only letters, digits, '_', '-', '.'" }).optional(),
  pair: z.string({ error: 'must be a pair such as BTC-PERP' }).regex(PAIR_PATTERN, { error: 'must be <BASE>-PERP, e.g. BTC-PERP' }),
  dex_a: venueId.default('vest'),
  dex_b: venueId.default('paradex'),
  spread_entry: num().gt(0, { error: 'must be > 0 and < 100' }).lt(100, { error: 'must be > 0 and < 100' }).default(0.06),
  spread_exit: num().gt(-100, { error: 'must be > -100 and < 100' }).lt(100, { error: 'must be > -100 and < 100' }).default(-0.02),
  spread_entry_max: num().gt(0, { error: 'must be > 0 and < 100' }).lt(100, { error: 'must be > 0 and < 100' }).optional(),
  leverage: int().min(1, { error: 'must be an integer from 1 to 100' }).max(100, { error: 'must be an integer from 1 to 100' }).default(5),
  position_size: num().gt(0, { error: 'must be > 0' }).default(0.001),
  entry_confirm_ticks: int().min(1, { error: 'must be an integer >= 1' }).default(1),
  exit_confirm_ticks: int().min(1, { error: 'must be an integer >= 1' }).default(1),
  /** Overrides execution.slippage_buffer_pct for this pair. */
  slippage_buffer_pct: slippageFraction().optional(),
});

const positiveBase = num().gt(0, { error: 'must be > 0' });

const riskSchema = section({
  adl_warning: num().gt(0, { error: 'must be > 0' }).default(10),
  adl_critical: num().gt(0, { error: 'must be > 0' }).default(5),
  max_duration_hours: num().gt(0, { error: 'must be > 0' }).default(24),
  max_position_base: z
    .union([positiveBase, z.record(z.string().regex(PAIR_PATTERN, { error: 'keys must be pairs such as BTC-PERP' }), positiveBase)], {
      error: 'must be a number > 0 or a map of pair to number > 0',
    })
    .optional(),
  max_notional_usd: num().gt(0, { error: 'must be > 0' }).default(10_000),
  max_loss_usd: num().gt(0, { error: 'must be > 0' }).default(500),
  halt_cooldown_sec: timerSeconds(false).default(60),
});

const apiSchema = section({
  port: int().min(0, { error: 'must be an integer from 0 to 65535' }).max(65535, { error: 'must be an integer from 0 to 65535' }).default(8080),
  ws_heartbeat_sec: timerSeconds(true).default(30),
});

const executionSchema = section({
  leg_timeout_ms: timerMs(1).default(5000),
  close_retries: int().min(0, { error: 'must be an integer >= 0' }).default(5),
  // Doubled at each retry: crossFieldIssues bounds the last retry's delay too.
  close_backoff_ms: timerMs(0).default(250),
  sample_ms: timerMs(0, 'must be an integer >= 0 (0 = every book update)').default(0),
  max_book_age_ms: timerMs(1).default(2000),
  stale_after_ms: timerMs(1).default(5000),
  cooldown_ms: timerMs(0).default(1000),
  slippage_buffer_pct: slippageFraction().default(0.005),
  shutdown_grace_ms: timerMs(0).default(10_000),
});

const paradexVenueSchema = section({
  rest_url: httpUrl.optional(),
  ws_url: wsUrl.optional(),
  encoding: z.enum(['sbe', 'json'], { error: "must be 'sbe' or 'json'" }).default('sbe'),
});

const vestVenueSchema = section({
  rest_url: httpUrl.optional(),
  ws_url: wsUrl.optional(),
  account_group: int().min(0, { error: 'must be an integer >= 0' }).optional(),
});

const venuesSchema = section({
  paradex: paradexVenueSchema.prefault({}),
  vest: vestVenueSchema.prefault({}),
});

const fileSchema = section({
  bots: z.array(botSchema, { error: 'must be a list of bots' }).min(1, { error: 'must list at least one bot' }),
  risk: riskSchema.prefault({}),
  api: apiSchema.prefault({}),
  execution: executionSchema.prefault({}),
  venues: venuesSchema.prefault({}),
  journal_dir: z.string({ error: 'must be a directory path' }).min(1, { error: 'must be a non-empty path' }).default('journal'),
});

type ConfigFile = z.output<typeof fileSchema>;

/** The keys each mapping accepts, by section ('bots[]' for every bot), for "did you mean" on unknown keys. */
const SECTION_KEYS: ReadonlyMap<string, readonly string[]> = new Map([
  ['', Object.keys(fileSchema.shape)],
  ['bots[]', Object.keys(botSchema.shape)],
  ['risk', Object.keys(riskSchema.shape)],
  ['api', Object.keys(apiSchema.shape)],
  ['execution', Object.keys(executionSchema.shape)],
  ['venues', Object.keys(venuesSchema.shape)],
  ['venues.paradex', Object.keys(paradexVenueSchema.shape)],
  ['venues.vest', Object.keys(vestVenueSchema.shape)],
]);

/**
 * The key an unknown key was probably meant to be: the nearest known key of the same mapping (a typo,
 * by edit distance), else the same key in another section (written in the wrong place). Undefined
 * when nothing is close.
 */
export function suggestKey(path: readonly PropertyKey[], key: string): string | undefined {
  const section = path.map((k) => (typeof k === 'number' ? '[]' : String(k))).join('.').replace(/\.\[\]/g, '[]');
  const own = SECTION_KEYS.get(section) ?? [];
  if (own.length > 0) {
    const nearest = closest(key, [...own]);
    const within = Math.max(2, Math.floor(Math.max(key.length, nearest.length) / 3));
    if (distance(key, nearest) <= within) return formatPath([...path, nearest]);
  }
  for (const [other, keys] of SECTION_KEYS) {
    if (other !== section && keys.includes(key)) return other === '' ? key : `${other.replace('[]', '[0]')}.${key}`;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Parsing

/** A parsed config, with what the file said that the bot does not use. */
export interface ParsedConfig {
  readonly config: BotConfig;
  /** One line per thing worth a look (unknown keys, pairs the venues may not list). */
  readonly warnings: string[];
  /** Each unknown key as a config issue, with the nearest known key: live mode refuses these. */
  readonly unknownKeys: ConfigIssue[];
}

/**
 * Parses config.yaml text. Throws ConfigError naming every bad field (path, value, rule).
 * Unknown keys do not fail here: they come back as warnings (with the key probably meant) and as
 * `unknownKeys`, so an old file still loads in sim and paper while live mode can refuse a typo.
 */
export function parseConfig(yamlText: string): ParsedConfig {
  const raw = readYaml(yamlText);
  if (raw === null || raw === undefined) throw new ConfigError('the config is empty: it must define at least `bots:`');
  return parseConfigObject(raw);
}

/**
 * Alias uses a config may expand. Anchors and aliases are fine (`<<: *defaults` in each bot), but each
 * use copies the anchored value, so nested aliases grow exponentially: nine levels of nine aliases (a
 * "billion laughs") would be 9^9 copies. The yaml package counts uses weighted by what they copy.
 */
export const MAX_YAML_ALIAS_COUNT = 100;

/** YAML text to plain data, keys unique, aliases bounded. Throws ConfigError with one line, never a stack. */
export function readYaml(yamlText: string): unknown {
  const doc = parseDocument(yamlText, { uniqueKeys: true });
  if (doc.errors.length > 0) {
    // The first line of a yaml error reads "<what> at line L, column C:"; the rest is a source excerpt.
    const first = doc.errors[0]!.message.split('\n')[0]!.replace(/:$/, '');
    throw new ConfigError(`invalid YAML: ${first}`);
  }
  try {
    return doc.toJS({ maxAliasCount: MAX_YAML_ALIAS_COUNT });
  } catch (err) {
    // yaml throws a ReferenceError ("Excessive alias count indicates a resource exhaustion attack").
    if (err instanceof ReferenceError && /alias/i.test(err.message)) {
      throw new ConfigError(
        `invalid YAML: its aliases expand to more than ${MAX_YAML_ALIAS_COUNT} copies (a "billion laughs" alias bomb?); write the values out or use fewer nested aliases`,
      );
    }
    throw new ConfigError(`invalid YAML: ${err instanceof Error ? err.message.split('\n')[0]! : String(err)}`);
  }
}

/** Same as `parseConfig` for an already-parsed object (tests, CLI overrides). */
export function parseConfigObject(raw: unknown): ParsedConfig {
  const warnings: string[] = [];
  const unknown: ConfigIssue[] = [];
  // `key:` with nothing after it (or a section whose keys are all commented out) reads as null: treat as unset.
  const cleaned = withoutNulls(raw);
  let input = cleaned;
  let result = fileSchema.safeParse(input);
  if (!result.success) {
    const unknownKeys = result.error.issues.filter((i) => i.code === 'unrecognized_keys');
    const errors = result.error.issues.filter((i) => i.code !== 'unrecognized_keys');
    if (errors.length > 0) throw new ConfigError(errors.map((i) => toIssue(i, cleaned)));
    input = structuredClone(cleaned);
    for (const issue of unknownKeys) {
      const owner = valueAt(input, issue.path) as Record<string, unknown>;
      for (const key of issue.keys) {
        const suggestion = suggestKey(issue.path, key);
        const hint = suggestion === undefined ? '' : ` (did you mean ${suggestion}?)`;
        warnings.push(`unknown key ${formatPath([...issue.path, key])} is ignored${hint}`);
        unknown.push({
          path: formatPath([...issue.path, key]),
          value: formatValue(owner[key]),
          rule: `unknown key${suggestion === undefined ? '' : ` (did you mean ${suggestion}?)`}`,
        });
        delete owner[key];
      }
    }
    result = fileSchema.safeParse(input);
    if (!result.success) throw new ConfigError(result.error.issues.map((i) => toIssue(i, input)));
  }
  const file = result.data;
  const crossIssues = crossFieldIssues(file);
  if (crossIssues.length > 0) throw new ConfigError(crossIssues);
  for (const [i, bot] of file.bots.entries()) {
    if (!(KNOWN_PAIRS as readonly string[]).includes(bot.pair)) {
      warnings.push(
        `bots[${i}].pair = ${bot.pair} is not one of ${KNOWN_PAIRS.join(', ')}: ` +
          'both venues must list it, and the simulator does not serve it',
      );
    }
  }
  return { config: toBotConfig(file), warnings, unknownKeys: unknown };
}

function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== null) out[k] = withoutNulls(v);
  return out;
}

function crossFieldIssues(file: ConfigFile): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const ids = new Map<string, number>();
  const pairs = new Map<string, number>();
  const perPairCap = file.risk.max_position_base;
  file.bots.forEach((bot, i) => {
    const at = (field: string): string => `bots[${i}].${field}`;
    const id = bot.id ?? defaultBotId(bot.pair, bot.dex_a, bot.dex_b);
    if (bot.dex_a === bot.dex_b) {
      issues.push({ path: at('dex_b'), value: formatValue(bot.dex_b), rule: 'must differ from dex_a' });
    }
    if (!(bot.spread_entry > bot.spread_exit)) {
      issues.push({ path: at('spread_exit'), value: String(bot.spread_exit), rule: `must be < spread_entry (${bot.spread_entry})` });
    }
    if (bot.spread_entry_max !== undefined && !(bot.spread_entry_max > bot.spread_entry)) {
      issues.push({ path: at('spread_entry_max'), value: String(bot.spread_entry_max), rule: `must be > spread_entry (${bot.spread_entry})` });
    }
    // Two bots on one pair would share (and fight over) the same positions on both venues.
    const firstWithPair = pairs.get(bot.pair);
    if (firstWithPair !== undefined) {
      issues.push({ path: at('pair'), value: formatValue(bot.pair), rule: `is already traded by bots[${firstWithPair}]: one bot per pair` });
    } else pairs.set(bot.pair, i);
    const firstWithId = ids.get(id);
    // A derived id only repeats when the pair does, which is reported above.
    if (firstWithId !== undefined && (bot.id !== undefined || firstWithPair === undefined)) {
      issues.push({ path: at('id'), value: formatValue(id), rule: `must be unique (bots[${firstWithId}] has it)` });
    } else if (firstWithId === undefined) ids.set(id, i);
    const cap = typeof perPairCap === 'number' ? perPairCap : perPairCap?.[bot.pair];
    if (cap !== undefined && bot.position_size > cap) {
      issues.push({
        path: at('position_size'),
        value: String(bot.position_size),
        rule: `must be <= risk.max_position_base for ${bot.pair} (${cap})`,
      });
    }
  });
  const { close_backoff_ms: backoff, close_retries: retries } = file.execution;
  // Retry r (1-based) waits backoff · 2^(r-1): the last one must still fit a timer.
  if (backoff > 0 && retries > 1 && backoff * 2 ** (retries - 1) > MAX_TIMER_MS) {
    issues.push({
      path: 'execution.close_backoff_ms',
      value: String(backoff),
      rule: `doubled at each of execution.close_retries = ${retries} retries, the last retry would wait ${backoff} · 2^${retries - 1} ms, more than ${MAX_TIMER_MS} ms (${TIMER_LIMIT_TEXT}); lower close_retries or close_backoff_ms`,
    });
  }
  if (!(file.risk.adl_warning > file.risk.adl_critical)) {
    issues.push({ path: 'risk.adl_warning', value: String(file.risk.adl_warning), rule: `must be > risk.adl_critical (${file.risk.adl_critical})` });
  }
  if (perPairCap !== undefined && typeof perPairCap !== 'number') {
    for (const pair of Object.keys(perPairCap)) {
      if (!pairs.has(pair)) {
        issues.push({ path: `risk.max_position_base.${pair}`, value: String(perPairCap[pair]), rule: 'names a pair that no bot trades' });
      }
    }
  }
  return issues;
}

function defaultBotId(pair: string, dexA: string, dexB: string): string {
  return `${pair.split('-')[0]!.toLowerCase()}_${dexA}_${dexB}`;
}

function toBotConfig(file: ConfigFile): BotConfig {
  const cap = file.risk.max_position_base;
  return {
    bots: file.bots.map((b) => ({
      id: b.id ?? defaultBotId(b.pair, b.dex_a, b.dex_b),
      pair: b.pair,
      dexA: b.dex_a,
      dexB: b.dex_b,
      spreadEntry: b.spread_entry,
      spreadExit: b.spread_exit,
      spreadEntryMax: b.spread_entry_max,
      leverage: b.leverage,
      positionSize: b.position_size,
      entryConfirmTicks: b.entry_confirm_ticks,
      exitConfirmTicks: b.exit_confirm_ticks,
      slippagePct: fractionToPct(b.slippage_buffer_pct ?? file.execution.slippage_buffer_pct),
      maxPositionBase: (typeof cap === 'number' ? cap : cap?.[b.pair]) ?? b.position_size,
    })),
    risk: {
      adlWarning: file.risk.adl_warning,
      adlCritical: file.risk.adl_critical,
      maxDurationHours: file.risk.max_duration_hours,
      maxPositionBase: cap,
      maxNotionalUsd: file.risk.max_notional_usd,
      maxLossUsd: file.risk.max_loss_usd,
      haltCooldownSec: file.risk.halt_cooldown_sec,
    },
    api: { port: file.api.port, wsHeartbeatSec: file.api.ws_heartbeat_sec },
    execution: {
      legTimeoutMs: file.execution.leg_timeout_ms,
      closeRetries: file.execution.close_retries,
      closeBackoffMs: file.execution.close_backoff_ms,
      sampleMs: file.execution.sample_ms,
      maxBookAgeMs: file.execution.max_book_age_ms,
      staleAfterMs: file.execution.stale_after_ms,
      cooldownMs: file.execution.cooldown_ms,
      slippagePct: fractionToPct(file.execution.slippage_buffer_pct),
      shutdownGraceMs: file.execution.shutdown_grace_ms,
    },
    venues: {
      paradex: { restUrl: file.venues.paradex.rest_url, wsUrl: file.venues.paradex.ws_url, encoding: file.venues.paradex.encoding },
      vest: { restUrl: file.venues.vest.rest_url, wsUrl: file.venues.vest.ws_url, accountGroup: file.venues.vest.account_group },
    },
    journalDir: file.journal_dir,
  };
}

/** 0.005 -> 0.5, without the binary noise of a bare `* 100` (0.007 * 100 = 0.7000000000000001). */
function fractionToPct(fraction: number): number {
  return Number((fraction * 100).toPrecision(12));
}

/** One BTC-PERP bot with every default: what sim mode runs without --config. */
export function defaultConfig(): BotConfig {
  return parseConfigObject({ bots: [{ pair: 'BTC-PERP' }] }).config;
}

function toIssue(issue: z.core.$ZodIssue, raw: unknown): ConfigIssue {
  const value = valueAt(raw, issue.path);
  const missing = value === undefined && issue.code === 'invalid_type';
  return { path: formatPath(issue.path) || '(top level)', value: missing ? '(missing)' : formatValue(value), rule: missing ? 'is required' : issue.message };
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur = root;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}

/** ['bots', 1, 'spread_entry'] -> 'bots[1].spread_entry'. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return `[list of ${value.length}]`;
  if (typeof value === 'object') return '{…}';
  return String(value);
}

// ---------------------------------------------------------------------------------------------
// Environment (.env)

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
export type LogFormat = 'json' | 'pretty';

export interface EnvSettings {
  readonly vestProduction: boolean;
  readonly paradexProduction: boolean;
  /** VEST_ACCOUNT_GROUP when set. */
  readonly vestAccountGroup: number | undefined;
  readonly logLevel: LogLevel;
  readonly logFormat: LogFormat;
}

export interface VestCredentials {
  readonly primaryAddr: `0x${string}`;
  /** Needed to /register for an API key; optional when VEST_API_KEY is given. */
  readonly primaryKey: `0x${string}` | undefined;
  readonly signingKey: `0x${string}`;
  readonly apiKey: string | undefined;
  /** VEST_PRODUCTION: prod (true) or dev hosts and verifying contract. */
  readonly production: boolean;
  /** VEST_ACCOUNT_GROUP (default 0). */
  readonly accountGroup: number;
}

export interface ParadexCredentials {
  readonly privateKey: `0x${string}`;
  readonly accountAddress: `0x${string}`;
  /** PARADEX_PRODUCTION: prod (true) or testnet. */
  readonly production: boolean;
}

/** What live mode needs to trade on both venues. */
export interface VenueCredentials {
  readonly vest: VestCredentials;
  readonly paradex: ParadexCredentials;
}

type Env = Readonly<Record<string, string | undefined>>;

const LEVEL_RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

/**
 * RUST_LOG (tracing EnvFilter syntax) to our level: 'debug', 'hft_bot=debug,info', 'trace' (-> debug).
 * The most verbose level named anywhere wins. A bare target ('hft_bot') enables everything, as in EnvFilter.
 */
export function logLevelFromRustLog(value: string | undefined): LogLevel {
  if (value === undefined || value.trim() === '') return 'info';
  let best: LogLevel | undefined;
  let sawOff = false;
  for (const directive of value.split(',')) {
    const d = directive.trim();
    if (d === '') continue;
    const eq = d.lastIndexOf('=');
    const word = (eq >= 0 ? d.slice(eq + 1) : d).trim().toLowerCase();
    const level = rustLevel(word, eq < 0);
    if (level === 'off') sawOff = true;
    else if (best === undefined || LEVEL_RANK[level] > LEVEL_RANK[best]) best = level;
  }
  return best ?? (sawOff ? 'error' : 'info');
}

function rustLevel(word: string, bare: boolean): LogLevel | 'off' {
  switch (word) {
    case 'error':
    case 'warn':
    case 'info':
    case 'debug':
      return word;
    case 'trace':
      return 'debug';
    case 'off':
      return 'off';
    default:
      // A bare non-level word is a target name (all levels); after '=' an unknown level is ignored as EnvFilter does.
      return bare ? 'debug' : 'info';
  }
}

function parseBool(env: Env, name: string, fallback: boolean, issues: ConfigIssue[]): boolean {
  const v = env[name]?.trim().toLowerCase();
  if (v === undefined || v === '') return fallback;
  if (['true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off'].includes(v)) return false;
  issues.push({ path: name, value: JSON.stringify(env[name]), rule: 'must be true or false' });
  return fallback;
}

/** Non-secret settings from the environment. Throws ConfigError naming each bad variable. */
export function envSettings(env: Env): EnvSettings {
  const issues: ConfigIssue[] = [];
  const vestProduction = parseBool(env, 'VEST_PRODUCTION', true, issues);
  const paradexProduction = parseBool(env, 'PARADEX_PRODUCTION', true, issues);
  let vestAccountGroup: number | undefined;
  const group = env['VEST_ACCOUNT_GROUP']?.trim();
  if (group !== undefined && group !== '') {
    if (/^\d{1,6}$/.test(group)) vestAccountGroup = Number(group);
    else issues.push({ path: 'VEST_ACCOUNT_GROUP', value: JSON.stringify(group), rule: 'must be an integer >= 0' });
  }
  const format = env['LOG_FORMAT']?.trim().toLowerCase();
  let logFormat: LogFormat = 'json';
  if (format === 'pretty' || format === 'json') logFormat = format;
  else if (format !== undefined && format !== '') issues.push({ path: 'LOG_FORMAT', value: JSON.stringify(env['LOG_FORMAT']), rule: "must be 'json' or 'pretty'" });
  if (issues.length > 0) throw new ConfigError(issues);
  return { vestProduction, paradexProduction, vestAccountGroup, logLevel: logLevelFromRustLog(env['RUST_LOG']), logFormat };
}

/** Starknet field prime: an account address must be below it. */
const STARK_PRIME = 0x0800000000000011000000000000000000000000000000000000000000000001n;

function describeSecret(value: string): string {
  return `<redacted, ${value.length} characters>`;
}

/** Accepts with or without 0x; returns lowercase 0x-prefixed. */
function hexOf(value: string, digits: number | [number, number]): `0x${string}` | undefined {
  const body = value.startsWith('0x') || value.startsWith('0X') ? value.slice(2) : value;
  const [min, max] = typeof digits === 'number' ? [digits, digits] : digits;
  if (body.length < min || body.length > max || !/^[0-9a-fA-F]+$/.test(body)) return undefined;
  return `0x${body.toLowerCase()}`;
}

/**
 * Typed, validated credentials for live trading on both venues. Throws ConfigError listing every
 * missing or malformed variable; messages name the variable and never print a secret's value.
 */
export function credentialsFromEnv(env: Env): VenueCredentials {
  const issues: ConfigIssue[] = [];
  let settings: EnvSettings | undefined;
  try {
    settings = envSettings(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    issues.push(...err.issues);
  }
  const get = (name: string): string | undefined => {
    const v = env[name]?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  const read = <T>(name: string, parse: (raw: string) => T | undefined, shape: string, required: boolean): T | undefined => {
    const raw = get(name);
    if (raw === undefined) {
      if (required) issues.push({ path: name, value: '(missing)', rule: `is required: ${shape}` });
      return undefined;
    }
    const parsed = parse(raw);
    if (parsed === undefined) issues.push({ path: name, value: describeSecret(raw), rule: `must be ${shape}` });
    return parsed;
  };

  const apiKey = read('VEST_API_KEY', (v) => (/^\S+$/.test(v) ? v : undefined), 'a single token without spaces', false);
  const primaryAddr = read('VEST_PRIMARY_ADDR', (v) => hexOf(v, 40), 'an address: 0x followed by 40 hex digits', true);
  // With an API key already issued, the primary (funds) key need not sit on this machine.
  // Keys are checked as curve scalars here, before a signing library sees them: a library's own
  // refusal prints the key's value in its message.
  const secpKey = (v: string) => {
    const key = hexOf(v, 64);
    return key !== undefined && isPrivateKey(key, 'secp256k1') ? key : undefined;
  };
  const secpShape = 'a secp256k1 private key: 0x followed by 64 hex digits, non-zero, below the curve order';
  const primaryKey = read('VEST_PRIMARY_KEY', secpKey, secpShape, apiKey === undefined);
  const signingKey = read('VEST_SIGNING_KEY', secpKey, secpShape, true);
  const privateKey = read(
    'PARADEX_PRIVATE_KEY',
    (v) => {
      const key = hexOf(v, [1, 64]);
      return key !== undefined && isPrivateKey(key, 'stark') ? key : undefined;
    },
    'a Stark private key: 0x followed by up to 64 hex digits, non-zero, below the curve order',
    true,
  );
  const accountAddress = read(
    'PARADEX_ACCOUNT_ADDRESS',
    (v) => {
      const address = hexOf(v, [1, 64]);
      return address !== undefined && BigInt(address) > 0n && BigInt(address) < STARK_PRIME ? address : undefined;
    },
    'the Paradex account (Starknet) address: 0x followed by up to 64 hex digits',
    true,
  );
  if (issues.length > 0 || !settings || !primaryAddr || !signingKey || !privateKey || !accountAddress) throw new ConfigError(issues);
  return {
    vest: {
      primaryAddr,
      primaryKey,
      signingKey,
      apiKey,
      production: settings.vestProduction,
      accountGroup: settings.vestAccountGroup ?? 0,
    },
    paradex: { privateKey, accountAddress, production: settings.paradexProduction },
  };
}

export interface VenueEndpoints {
  readonly paradex: { readonly restUrl: string; readonly wsUrl: string; readonly encoding: 'sbe' | 'json' };
  readonly vest: { readonly restUrl: string; readonly wsUrl: string; readonly accountGroup: number };
}

/**
 * Concrete venue URLs: a URL written in config.yaml wins (e.g. pointing at the simulator); otherwise
 * VEST_PRODUCTION / PARADEX_PRODUCTION pick prod or dev/testnet. The Vest account group comes from the
 * config or VEST_ACCOUNT_GROUP (0 when neither); the two must agree when both are set.
 */
export function resolveEndpoints(config: BotConfig, env: EnvSettings): VenueEndpoints {
  const fileGroup = config.venues.vest.accountGroup;
  if (fileGroup !== undefined && env.vestAccountGroup !== undefined && fileGroup !== env.vestAccountGroup) {
    throw new ConfigError([
      { path: 'venues.vest.account_group', value: String(fileGroup), rule: `conflicts with VEST_ACCOUNT_GROUP=${env.vestAccountGroup}` },
    ]);
  }
  const accountGroup = fileGroup ?? env.vestAccountGroup ?? 0;
  const vestDefault = vestEndpoints(env.vestProduction, accountGroup);
  const paradexDefault = env.paradexProduction ? PARADEX_ENDPOINTS.prod : PARADEX_ENDPOINTS.testnet;
  return {
    paradex: {
      restUrl: config.venues.paradex.restUrl ?? paradexDefault.restUrl,
      wsUrl: config.venues.paradex.wsUrl ?? paradexDefault.wsUrl,
      encoding: config.venues.paradex.encoding,
    },
    vest: {
      restUrl: config.venues.vest.restUrl ?? vestDefault.restUrl,
      wsUrl: config.venues.vest.wsUrl ?? vestDefault.wsUrl,
      accountGroup,
    },
  };
}
