/**
 * Sending one alert to one webhook: the body each service expects, and one HTTP POST that never throws and
 * never rejects (its outcome is a value: sent, or why not and whether a retry may help, and when).
 *
 * Formats (checked against each service's documentation, not guessed):
 *  - json: a generic JSON POST `{ source, kind, time, subject, text, event }` for your own receiver.
 *  - telegram: Bot API sendMessage, `POST https://api.telegram.org/bot<token>/sendMessage` with JSON
 *    `{ chat_id, text }`; text is 1-4096 characters (https://core.telegram.org/bots/api#sendmessage). A flood
 *    limit answers 429 `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 41",
 *    "parameters":{"retry_after":41}}`: seconds, in ResponseParameters (https://core.telegram.org/bots/api#responseparameters).
 *  - slack: incoming webhook, `POST <hooks.slack.com/services/…>` with JSON `{ text }`
 *    (https://api.slack.com/messaging/webhooks); rate limited with 429 and a `Retry-After` header (seconds).
 *  - discord: Execute Webhook, `POST <discord.com/api/webhooks/{id}/{token}>` with JSON `{ content }`, content
 *    at most 2000 characters (https://discord.com/developers/docs/resources/webhook#execute-webhook); a rate
 *    limit answers 429 with `Retry-After` and a body `{"message": …, "retry_after": 64.57, "global": false}`,
 *    seconds as a float (https://discord.com/developers/docs/topics/rate-limits).
 *
 * Secrets: a webhook URL (Slack, Discord) and a Telegram bot token ARE the credential. No text this module
 * returns holds the URL, its path or the response body verbatim: a failure says the status or the error code.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { Alert } from '../domain/alerts';
import { redact, redactText } from '../logging/redact';

export type WebhookFormat = 'json' | 'telegram' | 'slack' | 'discord';

export interface WebhookTarget {
  /** How logs name it (never the URL): `webhooks[0] (slack)` or the configured name. */
  readonly name: string;
  readonly format: WebhookFormat;
  /** Where to POST: for telegram the full sendMessage URL with the token in it. A secret. */
  readonly url: string;
  /** Telegram only: the chat (user, group or @channel) to send to. */
  readonly chatId?: string;
}

export type SendResult =
  | { readonly ok: true; readonly status: number }
  | {
      readonly ok: false;
      /** HTTP status, when the service answered. */
      readonly status?: number;
      /** False for an answer a retry cannot change (400, 401, 403, 404…). */
      readonly retryable: boolean;
      /** What the service asked us to wait (429 Retry-After / retry_after), ms. */
      readonly retryAfterMs?: number;
      /** Why, without the URL or a secret. */
      readonly reason: string;
    };

export const TELEGRAM_MAX_TEXT = 4096;
export const DISCORD_MAX_CONTENT = 2000;
/** A longer answer is not read further: we only need its status and a rate limit's retry_after. */
const MAX_RESPONSE_BYTES = 16 * 1024;

/** The request body each service expects (JSON text). */
export function webhookBody(target: Pick<WebhookTarget, 'format' | 'chatId'>, alert: Alert): string {
  const text = redactText(alert.text);
  switch (target.format) {
    case 'telegram':
      return JSON.stringify({ chat_id: target.chatId, text: cut(text, TELEGRAM_MAX_TEXT) });
    case 'slack':
      return JSON.stringify({ text });
    case 'discord':
      // allowed_mentions: an alert text never pings @everyone, whatever a reason string holds.
      return JSON.stringify({ content: cut(text, DISCORD_MAX_CONTENT), allowed_mentions: { parse: [] } });
    case 'json':
      return JSON.stringify({
        source: 'vest-paradex-arb',
        kind: alert.kind,
        time: new Date(alert.time).toISOString(),
        ...(alert.subject !== undefined ? { subject: alert.subject } : {}),
        text,
        event: redact(alert.event),
      });
  }
}

/** `text` in at most `max` UTF-16 units, marked when cut. */
function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** A 429's wait, ms: the body's retry_after (Discord, Telegram's parameters) or the Retry-After header (seconds or a date). */
export function retryAfterMs(headers: http.IncomingHttpHeaders, body: string, now = Date.now()): number | undefined {
  try {
    const parsed = JSON.parse(body) as { retry_after?: unknown; parameters?: { retry_after?: unknown } };
    const seconds = parsed.retry_after ?? parsed.parameters?.retry_after;
    if (typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds * 1000);
  } catch {
    // Not JSON: the header decides.
  }
  const header = headers['retry-after'];
  if (typeof header !== 'string' || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds * 1000);
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

export interface PostOptions {
  /** Longest the whole request may take, ms. */
  readonly timeoutMs: number;
  /** Aborts the request (the run is closing). */
  readonly signal?: AbortSignal;
}

/** POSTs the alert; resolves with the outcome, never rejects. */
export function postWebhook(target: WebhookTarget, alert: Alert, opts: PostOptions): Promise<SendResult> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (result: SendResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      resolve(result);
    };
    let url: URL;
    try {
      url = new URL(target.url);
    } catch {
      done({ ok: false, retryable: false, reason: 'the webhook URL is not a valid URL' });
      return;
    }
    const body = Buffer.from(webhookBody(target, alert), 'utf8');
    const client = url.protocol === 'https:' ? https : http;
    const req = client.request(url, {
      method: 'POST',
      agent: false,
      headers: { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length, 'user-agent': 'vest-paradex-arb-alerts' },
    });
    const timer = setTimeout(() => {
      done({ ok: false, retryable: true, reason: `no answer within ${opts.timeoutMs} ms` });
      req.destroy();
    }, opts.timeoutMs);
    const onAbort = () => {
      done({ ok: false, retryable: false, reason: 'aborted: the run is closing' });
      req.destroy();
    };
    if (opts.signal?.aborted) {
      onAbort();
      return;
    }
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', (err: NodeJS.ErrnoException) => {
      // The code only (ECONNREFUSED, ENOTFOUND…): a message may carry the host and port, never needed here.
      done({ ok: false, retryable: true, reason: `cannot reach the webhook: ${err.code ?? 'request failed'}` });
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        if (size < MAX_RESPONSE_BYTES) chunks.push(chunk);
        size += chunk.length;
      });
      res.on('error', () => done({ ok: false, retryable: true, reason: 'the answer was cut off' }));
      res.on('end', () => done(outcome(res.statusCode ?? 0, res.headers, Buffer.concat(chunks).toString('utf8').slice(0, MAX_RESPONSE_BYTES))));
    });
    req.end(body);
  });
}

/** The outcome of an answer. Telegram says `ok: false` in a 200 only in theory; its errors come with 4xx. */
function outcome(status: number, headers: http.IncomingHttpHeaders, body: string): SendResult {
  if (status >= 200 && status < 300) return { ok: true, status };
  const wait = status === 429 ? retryAfterMs(headers, body) : undefined;
  return {
    ok: false,
    status,
    // 408 and 429 and 5xx are the service's state; other 4xx are ours (a revoked hook, a wrong chat id).
    retryable: status === 408 || status === 429 || status >= 500,
    ...(wait !== undefined ? { retryAfterMs: wait } : {}),
    reason: `HTTP ${status}${describeAnswer(body)}`,
  };
}

/** A short, redacted description the service gave (Telegram `description`, Discord/Slack `message` or plain text). */
function describeAnswer(body: string): string {
  let text: string | undefined;
  try {
    const parsed = JSON.parse(body) as { description?: unknown; message?: unknown };
    const given = parsed.description ?? parsed.message;
    if (typeof given === 'string') text = given;
  } catch {
    if (/^[\x20-\x7e]{1,80}$/.test(body.trim())) text = body.trim();
  }
  return text === undefined || text === '' ? '' : `: ${redactText(text).slice(0, 120)}`;
}
