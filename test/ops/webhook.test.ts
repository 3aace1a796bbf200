/**
 * postWebhook against a local receiver on port 0: each service's body as its documentation gives it, a 429's
 * wait read the way each service sends it, a timeout, an unreachable host; no outcome text holds the URL.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Alert } from '../../src/domain/alerts';
import { events } from '../../src/domain/events';
import { DISCORD_MAX_CONTENT, postWebhook, retryAfterMs, webhookBody, type WebhookTarget } from '../../src/ops/webhook';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver';

const ALERT: Alert = {
  kind: 'LEG_UNWOUND',
  time: Date.UTC(2026, 0, 2, 3, 4, 5),
  subject: 'BTC-PERP',
  text: '[vest-paradex-arb live] LEG_UNWOUND: LEG_UNWOUND BTC-PERP vest size=0.01 FAILED: rejected',
  event: events.legUnwound(Date.UTC(2026, 0, 2, 3, 4, 5), { pair: 'BTC-PERP', venue: 'vest', size: 0.01, ok: false, reason: 'rejected' }),
};
const TOKEN = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1';

describe('postWebhook', () => {
  let receiver: WebhookReceiver | undefined;
  afterEach(async () => {
    await receiver?.close();
    receiver = undefined;
  });

  const target = (format: WebhookTarget['format'], path = '/hook', extra: Partial<WebhookTarget> = {}): WebhookTarget => ({ name: `test (${format})`, format, url: `${receiver!.url}${path}`, ...extra });

  it('posts Telegram sendMessage JSON (chat_id, text) to /bot<token>/sendMessage', async () => {
    receiver = await startWebhookReceiver([{ status: 200, body: '{"ok":true,"result":{"message_id":1}}' }]);
    const result = await postWebhook(target('telegram', `/bot${TOKEN}/sendMessage`, { chatId: '-1001234567890' }), ALERT, { timeoutMs: 2000 });
    expect(result).toEqual({ ok: true, status: 200 });
    const [req] = receiver.requests;
    expect(req!.method).toBe('POST');
    expect(req!.path).toBe(`/bot${TOKEN}/sendMessage`);
    expect(req!.headers['content-type']).toMatch(/^application\/json/);
    expect(req!.body).toEqual({ chat_id: '-1001234567890', text: ALERT.text });
  });

  it('posts Slack {text} and Discord {content} (no mentions), and a generic JSON with the event', async () => {
    receiver = await startWebhookReceiver([{ status: 200, body: 'ok' }, { status: 204 }, { status: 200 }]);
    expect((await postWebhook(target('slack'), ALERT, { timeoutMs: 2000 })).ok).toBe(true);
    expect((await postWebhook(target('discord'), ALERT, { timeoutMs: 2000 })).ok).toBe(true);
    expect((await postWebhook(target('json'), ALERT, { timeoutMs: 2000 })).ok).toBe(true);
    expect(receiver.requests.map((r) => r.body)).toEqual([
      { text: ALERT.text },
      { content: ALERT.text, allowed_mentions: { parse: [] } },
      { source: 'vest-paradex-arb', kind: 'LEG_UNWOUND', time: '2026-01-02T03:04:05.000Z', subject: 'BTC-PERP', text: ALERT.text, event: ALERT.event },
    ]);
  });

  it("cuts a Discord content to its 2000-character limit and a Telegram text to 4096", () => {
    const long = { ...ALERT, text: 'x'.repeat(5000) };
    const discord = JSON.parse(webhookBody({ format: 'discord' }, long)) as { content: string };
    const telegram = JSON.parse(webhookBody({ format: 'telegram', chatId: '1' }, long)) as { text: string };
    expect(discord.content).toHaveLength(DISCORD_MAX_CONTENT);
    expect(discord.content.endsWith('…')).toBe(true);
    expect(telegram.text).toHaveLength(4096);
  });

  it('reads a Discord 429 (retry_after seconds as a float in the body) and a Telegram one (parameters.retry_after)', async () => {
    receiver = await startWebhookReceiver([
      // Discord's documented example answer (topics/rate-limits).
      { status: 429, headers: { 'retry-after': '65' }, body: '{"message": "You are being rate limited.", "retry_after": 64.57, "global": false}' },
      // Telegram's flood-control answer (ResponseParameters.retry_after).
      { status: 429, body: '{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 41","parameters":{"retry_after":41}}' },
      // Slack: the Retry-After header only.
      { status: 429, headers: { 'retry-after': '3' }, body: 'rate_limited' },
    ]);
    expect(await postWebhook(target('discord'), ALERT, { timeoutMs: 2000 })).toEqual({
      ok: false,
      status: 429,
      retryable: true,
      retryAfterMs: 64_570,
      reason: 'HTTP 429: You are being rate limited.',
    });
    expect(await postWebhook(target('telegram', `/bot${TOKEN}/sendMessage`, { chatId: '1' }), ALERT, { timeoutMs: 2000 })).toEqual({
      ok: false,
      status: 429,
      retryable: true,
      retryAfterMs: 41_000,
      reason: 'HTTP 429: Too Many Requests: retry after 41',
    });
    expect(await postWebhook(target('slack'), ALERT, { timeoutMs: 2000 })).toMatchObject({ ok: false, status: 429, retryAfterMs: 3000, reason: 'HTTP 429: rate_limited' });
  });

  it('reads a Retry-After given as an HTTP date', () => {
    const now = Date.UTC(2026, 0, 1, 0, 0, 0);
    expect(retryAfterMs({ 'retry-after': new Date(now + 7000).toUTCString() }, '', now)).toBe(7000);
    expect(retryAfterMs({}, 'not json', now)).toBeUndefined();
  });

  it('says a 5xx may be retried and a 4xx (a revoked hook) may not', async () => {
    receiver = await startWebhookReceiver([{ status: 503 }, { status: 404, body: '{"message": "Unknown Webhook", "code": 10015}' }]);
    expect(await postWebhook(target('discord'), ALERT, { timeoutMs: 2000 })).toEqual({ ok: false, status: 503, retryable: true, reason: 'HTTP 503' });
    expect(await postWebhook(target('discord'), ALERT, { timeoutMs: 2000 })).toEqual({ ok: false, status: 404, retryable: false, reason: 'HTTP 404: Unknown Webhook' });
  });

  it('ends a request that gets no answer at its timeout', async () => {
    receiver = await startWebhookReceiver([{ status: 200, hang: true }]);
    const started = Date.now();
    const result = await postWebhook(target('slack'), ALERT, { timeoutMs: 200 });
    expect(result).toEqual({ ok: false, retryable: true, reason: 'no answer within 200 ms' });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('says an unreachable webhook by its error code, without the URL', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const result = await postWebhook({ name: 'gone', format: 'telegram', url: `http://127.0.0.1:${port}/bot${TOKEN}/sendMessage`, chatId: '1' }, ALERT, { timeoutMs: 2000 });
    expect(result).toEqual({ ok: false, retryable: true, reason: 'cannot reach the webhook: ECONNREFUSED' });
    expect(JSON.stringify(result)).not.toContain(TOKEN.split(':')[1]!);
  });

  it('aborts when the run closes', async () => {
    receiver = await startWebhookReceiver([{ status: 200, hang: true }]);
    const abort = new AbortController();
    const pending = postWebhook(target('slack'), ALERT, { timeoutMs: 10_000, signal: abort.signal });
    await receiver.waitFor(1);
    abort.abort();
    expect(await pending).toEqual({ ok: false, retryable: false, reason: 'aborted: the run is closing' });
  });
});
