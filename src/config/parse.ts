/**
 * config.yaml text (or an already-parsed object) to a typed `BotConfig`. Pure: text in, values out;
 * reading the file lives in load.ts. YAML keys are snake_case (the original's format); the parsed
 * `BotConfig` is camelCase. Every value the original required now has a default, so a minimal file is
 * just `bots: [{ pair: BTC-PERP }]`.
 */
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { MAX_TIMER_MS, TIMER_LIMIT_TEXT } from '../domain/durations';
import { ConfigError, formatPath, formatValue, type ConfigIssue } from './errors';
import { KNOWN_PAIRS, fileSchema, suggestKey, type ConfigFile } from './schema';
import { DEFAULT_ALERT_KINDS } from '../domain/alerts';
import type { AlertsConfig, BotConfig } from './types';

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
 * Alias uses a config may expand. Anchors and aliases are fine, merge keys too (`<<: *first_bot` in each
 * bot, as docker-compose files use them), but each use copies the anchored value, so nested aliases grow
 * exponentially: nine levels of nine aliases (a "billion laughs") would be 9^9 copies. The yaml package
 * counts uses weighted by what they copy.
 */
export const MAX_YAML_ALIAS_COUNT = 100;

/**
 * YAML text to plain data, keys unique, aliases bounded, merge keys (`<<`) merged: without them a `<<` is read
 * as a key named "<<", unknown to the schema, and what it was meant to bring in silently stays at its
 * defaults in sim and paper. Throws ConfigError with one line, never a stack.
 */
export function readYaml(yamlText: string): unknown {
  const doc = parseDocument(yamlText, { uniqueKeys: true, merge: true });
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
          value: issue.path[0] === 'alerts' || isSecretPath([...issue.path, key]) ? '<redacted>' : formatValue(owner[key]),
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

/** Rules across fields: each bot's own, then the sections' (in that order, as users read the file). */
function crossFieldIssues(file: ConfigFile): ConfigIssue[] {
  const { issues, pairs } = botIssues(file);
  return [...issues, ...sectionIssues(file, pairs), ...webhookIssues(file)];
}

/** Per bot: distinct venues, entry above exit, one bot per pair, unique ids, size within the cap. */
function botIssues(file: ConfigFile): { issues: ConfigIssue[]; pairs: ReadonlyMap<string, number> } {
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
    // A position is closed after risk.max_duration_hours: a longer expected hold would count carry it never earns.
    if (bot.expected_hold_hours !== undefined && bot.expected_hold_hours > file.risk.max_duration_hours) {
      issues.push({
        path: at('expected_hold_hours'),
        value: String(bot.expected_hold_hours),
        rule: `must be <= risk.max_duration_hours (${file.risk.max_duration_hours}): positions are closed after that`,
      });
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
  return { issues, pairs };
}

/** Close retries fit a timer, ADL warning above critical, per-pair caps name traded pairs. */
function sectionIssues(file: ConfigFile, pairs: ReadonlyMap<string, number>): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const perPairCap = file.risk.max_position_base;
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

/** Each webhook says where it goes exactly once, and a Telegram one has its token and chat. */
function webhookIssues(file: ConfigFile): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  file.alerts.webhooks.forEach((w, i) => {
    const at = (field: string) => `alerts.webhooks[${i}].${field}`;
    if (w.format === 'telegram') {
      if ((w.bot_token === undefined) === (w.bot_token_env === undefined)) {
        issues.push({ path: at('bot_token_env'), value: w.bot_token_env === undefined ? '(missing)' : formatValue(w.bot_token_env), rule: 'a telegram webhook needs exactly one of bot_token, bot_token_env' });
      }
      if (w.chat_id === undefined) issues.push({ path: at('chat_id'), value: '(missing)', rule: 'is required for a telegram webhook' });
      if (w.url_env !== undefined) issues.push({ path: at('url_env'), value: formatValue(w.url_env), rule: 'does not apply to telegram (url is the API base; the token goes in bot_token_env)' });
      return;
    }
    if ((w.url === undefined) === (w.url_env === undefined)) {
      issues.push({ path: at('url_env'), value: w.url_env === undefined ? '(missing)' : formatValue(w.url_env), rule: `a ${w.format} webhook needs exactly one of url, url_env` });
    }
    for (const field of ['bot_token', 'bot_token_env', 'chat_id'] as const) {
      if (w[field] !== undefined) issues.push({ path: at(field), value: field === 'bot_token' ? '<redacted>' : formatValue(w[field]), rule: 'only applies to telegram' });
    }
  });
  return issues;
}

function toAlertsConfig(file: ConfigFile): AlertsConfig {
  const a = file.alerts;
  return {
    webhooks: a.webhooks.map((w, i) => ({
      name: w.name ?? `webhooks[${i}] (${w.format})`,
      format: w.format,
      url: w.url ?? (w.format === 'telegram' ? 'https://api.telegram.org' : undefined),
      urlEnv: w.url_env,
      botToken: w.bot_token,
      botTokenEnv: w.bot_token_env,
      chatId: w.chat_id === undefined ? undefined : String(w.chat_id),
      kinds: w.events ? [...new Set(w.events)] : DEFAULT_ALERT_KINDS,
    })),
    closeFailedAfter: a.close_failed_after,
    feedStaleAfterMs: Math.round(a.feed_stale_after_sec * 1000),
    minIntervalMs: a.min_interval_ms,
    queueLimit: a.queue_limit,
    maxAttempts: a.max_attempts,
    timeoutMs: a.timeout_ms,
  };
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
      expectedHoldHours: b.expected_hold_hours,
      fundingExitBpsPerHour: b.funding_exit_bps_per_hour,
    })),
    risk: {
      adlWarning: file.risk.adl_warning,
      adlCritical: file.risk.adl_critical,
      maxDurationHours: file.risk.max_duration_hours,
      maxPositionBase: cap,
      maxNotionalUsd: file.risk.max_notional_usd,
      maxLossUsd: file.risk.max_loss_usd,
      haltCooldownSec: file.risk.halt_cooldown_sec,
      fundingReconcileMinutes: file.risk.funding_reconcile_minutes,
      fundingTolerance: { absUsd: file.risk.funding_tolerance_usd, relative: file.risk.funding_tolerance_relative },
    },
    api: { port: file.api.port, host: file.api.host, wsHeartbeatSec: file.api.ws_heartbeat_sec },
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
    market: { usdcUsd: file.market.usdc_usd },
    venues: {
      paradex: { restUrl: file.venues.paradex.rest_url, wsUrl: file.venues.paradex.ws_url, encoding: file.venues.paradex.encoding },
      vest: { restUrl: file.venues.vest.rest_url, wsUrl: file.venues.vest.ws_url, accountGroup: file.venues.vest.account_group },
    },
    journalDir: file.journal_dir,
    alerts: toAlertsConfig(file),
    logs: { maxBytes: Math.round(file.logs.max_size_mb * 1024 * 1024), maxFiles: file.logs.max_files },
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
  const shown = missing ? '(missing)' : isSecretPath(issue.path) ? '<redacted>' : formatValue(value);
  return { path: formatPath(issue.path) || '(top level)', value: shown, rule: missing ? 'is required' : issue.message };
}

/** A webhook's URL and a bot token are credentials: a config error names the field, never the value. */
function isSecretPath(path: readonly PropertyKey[]): boolean {
  const last = String(path[path.length - 1] ?? '');
  return /token|secret|password|key$/i.test(last) || (path[0] === 'alerts' && last === 'url');
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur = root;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}
