/**
 * config.yaml's schema (the original bot's format, original-bot.md §4, plus this project's fields):
 * snake_case keys as users write them, every value with a default except `bots[].pair`, and the
 * "did you mean" lookup for unknown keys.
 */
import { closest, distance } from 'fastest-levenshtein';
import { z } from 'zod';
import { MAX_TIMER_MS, MAX_TIMER_SEC, TIMER_LIMIT_TEXT } from '../domain/durations';
import type { VenueId } from '../domain/market';
import { ALERT_KINDS, type AlertKind } from '../domain/alerts';
import { formatPath } from './errors';

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
  /** Hold assumed when the entry counts funding carry, hours; default: the observed median hold (README, Funding). */
  expected_hold_hours: num().gt(0, { error: 'must be a number of hours > 0' }).optional(),
  /** Close when the position's funding carry is worse than minus this, basis points of notional per hour; default: off. */
  funding_exit_bps_per_hour: num().min(0, { error: 'must be a number of basis points per hour >= 0 (0 = exit on any adverse carry)' }).optional(),
});

const FUNDING_MINUTES_RULE = `must be a number of minutes from 0 (off) to ${Math.floor(MAX_TIMER_MS / 60_000)} (${TIMER_LIMIT_TEXT})`;

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
  /** While a position is held, its funding is checked against the venues' own every this many minutes; 0 = off. */
  funding_reconcile_minutes: num()
    .min(0, { error: FUNDING_MINUTES_RULE })
    .refine((min) => min === 0 || (min * 60_000 >= 1 && min * 60_000 <= MAX_TIMER_MS), { error: FUNDING_MINUTES_RULE })
    .default(15),
  /** A leg's venue funding figure may differ from the bot's by the larger of this (USD) and `funding_tolerance_relative` of it. */
  funding_tolerance_usd: num().min(0, { error: 'must be a number of USD from 0 to 100' }).max(100, { error: 'must be a number of USD from 0 to 100' }).default(0.01),
  funding_tolerance_relative: num()
    .min(0, { error: 'must be a fraction from 0 to 0.5 (0.02 = 2 % of the figure)' })
    .max(0.5, { error: 'must be a fraction from 0 to 0.5 (0.02 = 2 % of the figure)' })
    .default(0.02),
});

const apiSchema = section({
  port: int().min(0, { error: 'must be an integer from 0 to 65535' }).max(65535, { error: 'must be an integer from 0 to 65535' }).default(8080),
  ws_heartbeat_sec: timerSeconds(true).default(30),
  // Loopback by default: anything else needs ARB_API_TOKEN (checked at start, where the environment is read).
  host: z.string({ error: 'must be a host name or IP address' }).trim().min(1, { error: 'must be a host name or IP address' }).default('127.0.0.1'),
});

/** An environment variable's name: where a secret (a webhook URL, a bot token) is read from at start. */
const envName = z.string({ error: 'must be an environment variable name' }).regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'must be an environment variable name such as SLACK_WEBHOOK_URL' });
const alertKind = z.string({ error: `must be one of ${ALERT_KINDS.join(', ')}` }).refine((v): v is AlertKind => (ALERT_KINDS as readonly string[]).includes(v), {
  error: `must be one of ${ALERT_KINDS.join(', ')}`,
});

/**
 * One webhook. Its URL (and a Telegram bot token) is a secret: better read from the environment (`url_env`,
 * `bot_token_env`) than written in the file; either way it is never printed. Telegram's `url` is the API's
 * base (default https://api.telegram.org): the token goes in with `bot_token` / `bot_token_env`.
 */
const webhookSchema = section({
  name: z.string({ error: 'must be a string' }).trim().min(1, { error: 'must be a non-empty label' }).max(60, { error: 'must be at most 60 characters' }).optional(),
  format: z.enum(['json', 'telegram', 'slack', 'discord'], { error: "must be 'json', 'telegram', 'slack' or 'discord'" }),
  url: httpUrl.optional(),
  url_env: envName.optional(),
  bot_token: z.string({ error: 'must be a string' }).regex(/^\d{5,12}:[A-Za-z0-9_-]{30,}$/, { error: 'must be a Telegram bot token (<digits>:<35 characters>, from @BotFather)' }).optional(),
  bot_token_env: envName.optional(),
  chat_id: z.union([z.string().trim().min(1), int()], { error: 'must be a chat id (a number, or @channelname)' }).optional(),
  events: z.array(alertKind, { error: 'must be a list of event kinds' }).min(1, { error: 'must list at least one event kind (leave it out for the defaults)' }).optional(),
});

const alertsSchema = section({
  webhooks: z.array(webhookSchema, { error: 'must be a list of webhooks' }).default([]),
  /** A pair's close failing this many times in a row alerts (and again at every as many more). */
  close_failed_after: int().min(1, { error: 'must be an integer >= 1' }).default(3),
  /** A feed still stale after this long alerts; 0 = at once. */
  feed_stale_after_sec: timerSeconds(false).default(60),
  /** Per webhook: at least this long between two messages. */
  min_interval_ms: timerMs(0).default(1000),
  /** Per webhook: alerts waiting beyond this many drop the oldest (counted and logged). */
  queue_limit: int().min(1, { error: 'must be an integer from 1 to 10000' }).max(10_000, { error: 'must be an integer from 1 to 10000' }).default(100),
  /** Tries per alert (the first included) before it is given up and logged. */
  max_attempts: int().min(1, { error: 'must be an integer from 1 to 20' }).max(20, { error: 'must be an integer from 1 to 20' }).default(5),
  /** One request's deadline. */
  timeout_ms: timerMs(1).default(5000),
});

/** events.ndjson and bot.log rotate by size, so a run of weeks stays within (max_files + 1) × max_size_mb each. */
const logsSchema = section({
  max_size_mb: num().gt(0, { error: 'must be > 0 and <= 10000' }).max(10_000, { error: 'must be > 0 and <= 10000' }).default(100),
  max_files: int().min(0, { error: 'must be an integer from 0 to 100' }).max(100, { error: 'must be an integer from 0 to 100' }).default(5),
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

/**
 * The USDC/USD rate the two venues' prices are compared with (Paradex quotes USD, Vest USDC); neither venue
 * publishes one. Bounded: beyond ±20 % of par it is a typo (an inverted or percent figure), not a depeg to trade through.
 */
export const USDC_USD_BOUNDS = { min: 0.8, max: 1.2 } as const;
const USDC_USD_RULE = `must be a number of USD per USDC from ${USDC_USD_BOUNDS.min} to ${USDC_USD_BOUNDS.max} (1 = at par)`;
const marketSchema = section({
  usdc_usd: num().min(USDC_USD_BOUNDS.min, { error: USDC_USD_RULE }).max(USDC_USD_BOUNDS.max, { error: USDC_USD_RULE }).default(1),
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

export const fileSchema = section({
  bots: z.array(botSchema, { error: 'must be a list of bots' }).min(1, { error: 'must list at least one bot' }),
  risk: riskSchema.prefault({}),
  api: apiSchema.prefault({}),
  execution: executionSchema.prefault({}),
  market: marketSchema.prefault({}),
  venues: venuesSchema.prefault({}),
  alerts: alertsSchema.prefault({}),
  logs: logsSchema.prefault({}),
  journal_dir: z.string({ error: 'must be a directory path' }).min(1, { error: 'must be a non-empty path' }).default('journal'),
});

export type ConfigFile = z.output<typeof fileSchema>;

/** The keys each mapping accepts, by section ('bots[]' for every bot), for "did you mean" on unknown keys. */
const SECTION_KEYS: ReadonlyMap<string, readonly string[]> = new Map([
  ['', Object.keys(fileSchema.shape)],
  ['bots[]', Object.keys(botSchema.shape)],
  ['risk', Object.keys(riskSchema.shape)],
  ['api', Object.keys(apiSchema.shape)],
  ['execution', Object.keys(executionSchema.shape)],
  ['market', Object.keys(marketSchema.shape)],
  ['venues', Object.keys(venuesSchema.shape)],
  ['venues.paradex', Object.keys(paradexVenueSchema.shape)],
  ['venues.vest', Object.keys(vestVenueSchema.shape)],
  ['alerts', Object.keys(alertsSchema.shape)],
  ['logs', Object.keys(logsSchema.shape)],
  ['alerts.webhooks[]', Object.keys(webhookSchema.shape)],
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
