/**
 * Keeps secrets out of logs. Two layers, because either alone misses something:
 *  - structured: values of fields whose NAME says secret (apiKey, privateKey, jwt, signature, …), recursively;
 *  - textual: anything that LOOKS like a secret wherever it appears (0x + 64 hex keys, JWTs, Bearer tokens,
 *    `key=value` pairs such as a Vest `listenKey=` query parameter).
 * Inputs are never mutated: callers' objects are copied where something is replaced.
 */
import { format } from 'winston';
import type { Logform } from 'winston';

export const REDACTED = '<redacted>';

/** Field names whose values are secrets, compared case-insensitively with '_' and '-' removed. */
const SECRET_NAME = /key|secret|token|jwt|authorization|signature|password|passphrase|mnemonic|cookie|credential/;

export function isSecretFieldName(name: string): boolean {
  return SECRET_NAME.test(name.toLowerCase().replace(/[_-]/g, ''));
}

const TEXT_RULES: readonly [RegExp, string][] = [
  // JWT: base64url header starting '{"' ('eyJ'), payload, signature.
  [/\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g, REDACTED],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, `$1 ${REDACTED}`],
  // `name=value` / `"name":"value"` where the name says secret (query strings, headers, serialised JSON).
  [
    // A value of 1-2 characters is no secret, and skipping it keeps prose readable ("private key: 0x followed by…").
    /\b([A-Za-z0-9_-]*(?:key|secret|token|jwt|password|signature|authorization))(["']?\s*[=:]\s*["']?)(?!<redacted|Bearer\s|Basic\s)([^\s"',;&}\]]{3,})/gi,
    `$1$2${REDACTED}`,
  ],
  // Webhook URLs are their own credential: Slack's hooks.slack.com/services/T…/B…/secret, Discord's
  // discord.com/api/webhooks/{id}/{token}, and a Telegram bot token (`123456789:AA…`, 35 characters after the colon).
  [/\bhooks\.slack\.com\/[^\s"'<>]+/gi, `hooks.slack.com/${REDACTED}`],
  [/\b(discord(?:app)?\.com\/api\/(?:v\d+\/)?webhooks)\/[^\s"'<>]+/gi, `$1/${REDACTED}`],
  [/\b(?:bot)?\d{5,12}:[A-Za-z0-9_-]{30,}/g, REDACTED],
  // Private keys: 0x + 64 hex (also Stark keys written with 60-63 digits, and anything longer).
  [/\b0x[0-9a-fA-F]{60,}\b/g, REDACTED],
  // A raw 32-byte key pasted without its 0x.
  [/\b[0-9a-fA-F]{64}\b/g, REDACTED],
  // A 256-bit number written in decimal (70-78 digits; 40 leaves room for a cut-off one): how the signing
  // libraries print a key they refuse. Prices, sizes, ids and nanosecond timestamps are far shorter.
  [/\d{40,}/g, REDACTED],
];

/** Replaces every secret-looking substring. */
export function redactText(text: string): string {
  let out = text;
  for (const [pattern, replacement] of TEXT_RULES) out = out.replace(pattern, replacement);
  return out;
}

/**
 * For the text of an error a library threw, before it becomes an event reason, a journal entry or a
 * line on the console: on top of `redactText`, any run of 20+ decimal digits or 32+ hex digits goes.
 * A library that refuses a key prints it whole or in part (noble: "expected valid private key: 1 <= n
 * < N, got K"); no order failure needs such a number to be understood. Scrub before truncating, so a
 * cut cannot leave a shorter run of a key behind.
 */
export function scrubErrorText(text: string): string {
  return redactText(text)
    .replace(/(?:0x)?[0-9a-fA-F]{32,}/g, REDACTED)
    .replace(/\d{20,}/g, REDACTED);
}

/** An error (or anything thrown) as scrubbed text: see `scrubErrorText`. */
export function errorText(error: unknown): string {
  return scrubErrorText(error instanceof Error ? error.message : String(error));
}

/** `errorText` cut to `maxChars` for an order's reason (scrubbed before the cut, so no part of a key survives). */
export function shortErrorText(error: unknown, maxChars = 200): string {
  const text = errorText(error);
  return text.length > maxChars ? `${text.slice(0, maxChars)}…` : text;
}

const MAX_DEPTH = 12;

/**
 * A copy of `value` with secrets replaced: string leaves pass through `redactText`, and the value of any
 * secret-named field becomes '<redacted>' (unless null/undefined, so "no key configured" stays visible).
 * Errors become plain `{ name, message, stack }`; cycles become '[Circular]'.
 */
export function redact(value: unknown): unknown {
  return redactValue(value, new WeakSet<object>(), 0);
}

function redactValue(value: unknown, seen: WeakSet<object>, depth: number): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[Circular]';
  if (depth >= MAX_DEPTH) return '[…]';
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((v) => redactValue(v, seen, depth + 1));
    if (value instanceof Error) {
      const out: Record<string, unknown> = { name: value.name, message: redactText(value.message) };
      if (value.stack !== undefined) out['stack'] = redactText(value.stack);
      for (const [k, v] of Object.entries(value)) out[k] = redactField(k, v, seen, depth);
      return out;
    }
    if (value instanceof Date) return value;
    if (value instanceof Map) {
      return Object.fromEntries([...value].map(([k, v]) => [String(k), redactField(String(k), v, seen, depth)]));
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactField(k, v, seen, depth);
    return out;
  } finally {
    seen.delete(value);
  }
}

function redactField(name: string, value: unknown, seen: WeakSet<object>, depth: number): unknown {
  if (isSecretFieldName(name)) {
    // Numbers and booleans cannot hold a key; everything else under a secret name is hidden whole.
    return value === null || value === undefined || typeof value === 'number' || typeof value === 'boolean' ? value : REDACTED;
  }
  return redactValue(value, seen, depth + 1);
}

/**
 * Winston format that redacts the message and every meta field (recursively), plus the raw splat
 * arguments. Put it first in the logger's format so every transport receives clean data.
 */
export const redactFormat: () => Logform.Format = format((info) => {
  for (const key of Object.keys(info)) {
    if (key === 'level') continue;
    info[key] = key === 'message' ? redactValue(info[key], new WeakSet(), 0) : redactField(key, info[key], new WeakSet(), 0);
  }
  const splat = Symbol.for('splat');
  const args = (info as Record<symbol, unknown>)[splat];
  if (args !== undefined) (info as Record<symbol, unknown>)[splat] = redact(args);
  return info;
});

/** Winston format for the very end of a transport's chain: a last textual pass over the finished line. */
export const redactLineFormat: () => Logform.Format = format((info) => {
  const message = Symbol.for('message');
  const line = (info as Record<symbol, unknown>)[message];
  if (typeof line === 'string') (info as Record<symbol, unknown>)[message] = redactText(line);
  return info;
});
