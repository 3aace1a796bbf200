/**
 * The run's alerts end to end over loopback: events in, HTTP POSTs out to a local receiver on port 0 that answers
 * as the services do (200, 500 then 200, 429 with retry_after, no answer, nobody listening), with the outcome of
 * each in the log and no webhook URL or token anywhere in it. Then a sim run that tells a receiver it started and stopped.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { defaultConfig, parseConfigObject } from '../../../src/config';
import { resolveWebhooks, type ResolvedWebhook } from '../../../src/config/alerts';
import { events } from '../../../src/domain/events';
import { createLogger } from '../../../src/logging/logger';
import type { AlertDelivery } from '../../../streams/alert-sender';
import { type AlertRules, startAlerts } from '../../../streams/cli/alerts';
import { startRun } from '../../../streams/cli/run';
import { startWebhookReceiver, type WebhookReceiver } from '../../support/webhook-receiver';

const TOKEN = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1';
const RULES: AlertRules = { closeFailedAfter: 3, feedStaleAfterMs: 60_000, minIntervalMs: 0, queueLimit: 100, maxAttempts: 4, timeoutMs: 300 };
const HALT = events.tradingHalted(Date.now(), { pair: 'BTC-PERP', reason: 'entry leg failed' });

function capturedLogger() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (c: Buffer) => (text += c.toString('utf8')));
  return { logger: createLogger({ level: 'debug', format: 'json', stream }), text: () => text };
}

function collect() {
  const deliveries: { webhook: string; d: AlertDelivery }[] = [];
  return { deliveries, onDelivery: (webhook: string, d: AlertDelivery) => deliveries.push({ webhook, d }) };
}

describe('webhook alerts over HTTP', () => {
  let receiver: WebhookReceiver | undefined;
  afterEach(async () => {
    await receiver?.close();
    receiver = undefined;
  });

  const telegram = (): ResolvedWebhook => ({ name: 'ops-telegram', format: 'telegram', url: `${receiver!.url}/bot${TOKEN}/sendMessage`, chatId: '42', kinds: ['TRADING_HALTED', 'BOT_SHUTDOWN'] });

  it('sends an alert, retrying a 500 until the service answers 200', async () => {
    receiver = await startWebhookReceiver([{ status: 500 }, { status: 500 }, { status: 200, body: '{"ok":true}' }]);
    const log = capturedLogger();
    const seen = collect();
    const alerts = startAlerts({ webhooks: [telegram()], rules: RULES, logger: log.logger, label: 'arb test', backoffMs: 20, onDelivery: seen.onDelivery });
    alerts.observe(HALT);
    await alerts.close(5000);
    expect(receiver.requests).toHaveLength(3);
    expect(receiver.requests[2]!.body).toEqual({ chat_id: '42', text: '[arb test] TRADING_HALTED: TRADING_HALTED BTC-PERP: entry leg failed (until cleared)' });
    expect(seen.deliveries.map((x) => x.d.type)).toEqual(['retry', 'retry', 'sent']);
    // Backoff doubles: 20 ms, then 40 ms.
    expect(receiver.requests[2]!.at - receiver.requests[1]!.at).toBeGreaterThanOrEqual(35);
    expect(alerts.counts.get('ops-telegram')).toEqual({ sent: 1, failed: 0, dropped: 0 });
    expect(log.text()).toContain('alert sent: TRADING_HALTED to ops-telegram (attempt 3)');
    expect(log.text()).toContain('alert to ops-telegram failed (HTTP 500): TRADING_HALTED retried in 20 ms (attempt 2)');
    expect(log.text()).not.toContain(TOKEN.split(':')[1]!);
    expect(log.text()).not.toContain(receiver.url);
  });

  it('waits the retry_after a 429 asks for before trying again', async () => {
    receiver = await startWebhookReceiver([{ status: 429, headers: { 'retry-after': '1' }, body: '{"message": "You are being rate limited.", "retry_after": 0.3, "global": false}' }, { status: 204 }]);
    const seen = collect();
    const alerts = startAlerts({ webhooks: [{ name: 'discord', format: 'discord', url: `${receiver.url}/api/webhooks/1/secret`, kinds: ['TRADING_HALTED'] }], rules: RULES, logger: capturedLogger().logger, label: 'arb', backoffMs: 5, onDelivery: seen.onDelivery });
    alerts.observe(HALT);
    await alerts.close(5000);
    expect(seen.deliveries.map((x) => x.d)).toEqual([expect.objectContaining({ type: 'retry', delayMs: 300 }), expect.objectContaining({ type: 'sent', attempts: 2 })]);
    expect(receiver.requests[1]!.at - receiver.requests[0]!.at).toBeGreaterThanOrEqual(290);
  });

  it('retries a webhook that does not answer within timeout_ms, and gives up after max_attempts', async () => {
    receiver = await startWebhookReceiver([{ status: 200, hang: true }]);
    const log = capturedLogger();
    const seen = collect();
    const alerts = startAlerts({ webhooks: [telegram()], rules: { ...RULES, maxAttempts: 2 }, logger: log.logger, label: 'arb', backoffMs: 10, onDelivery: seen.onDelivery });
    alerts.observe(HALT);
    await alerts.close(5000);
    expect(receiver.requests).toHaveLength(2);
    expect(seen.deliveries.map((x) => x.d.type)).toEqual(['retry', 'failed']);
    expect(log.text()).toContain('alert NOT sent: TRADING_HALTED to ops-telegram: no answer within 300 ms (gave up after 2 attempts)');
  });

  it('logs an unreachable webhook and never fails the caller', async () => {
    const gone = http.createServer();
    await new Promise<void>((r) => gone.listen(0, '127.0.0.1', r));
    const port = (gone.address() as AddressInfo).port;
    await new Promise<void>((r) => gone.close(() => r()));
    const log = capturedLogger();
    const alerts = startAlerts({
      webhooks: [{ name: 'slack', format: 'slack', url: `http://127.0.0.1:${port}/services/T0/B0/XXXXXXXXXXXXXXXX`, kinds: ['TRADING_HALTED'] }],
      rules: { ...RULES, maxAttempts: 3 },
      logger: log.logger,
      label: 'arb',
      backoffMs: 5,
    });
    expect(() => alerts.observe(HALT)).not.toThrow();
    await alerts.close(5000);
    expect(alerts.counts.get('slack')).toEqual({ sent: 0, failed: 1, dropped: 0 });
    expect(log.text()).toContain('alert NOT sent: TRADING_HALTED to slack: cannot reach the webhook: ECONNREFUSED (gave up after 3 attempts)');
    expect(log.text()).not.toContain('XXXXXXXXXXXXXXXX');
  });

  it('returns from observe at once while a webhook hangs, and a close abandons it at its deadline', async () => {
    receiver = await startWebhookReceiver([{ status: 200, hang: true }]);
    const alerts = startAlerts({ webhooks: [telegram()], rules: { ...RULES, timeoutMs: 30_000, queueLimit: 5 }, logger: capturedLogger().logger, label: 'arb' });
    // Queued, not sent: observe is synchronous (returns nothing to wait on), and the queue is bounded
    // (1 in flight, 5 waiting, the rest dropped) while the webhook hangs. How fast is for the bench, not a test.
    const returned = [];
    for (let i = 0; i < 1000; i++) returned.push(alerts.observe(HALT));
    expect(returned.every((r) => r === undefined)).toBe(true);
    expect(alerts.counts.get('ops-telegram')!.dropped).toBe(1000 - 1 - 5);
    const closing = Date.now();
    await alerts.close(200);
    expect(Date.now() - closing).toBeLessThan(2000);
  });

  it('reads a webhook URL and a bot token from the environment, and names a missing variable, never a value', () => {
    const { config } = parseConfigObject({
      bots: [{ pair: 'BTC-PERP' }],
      alerts: {
        webhooks: [
          { format: 'slack', url_env: 'ARB_SLACK_URL' },
          { format: 'telegram', bot_token_env: 'ARB_TG_TOKEN', chat_id: -1001 },
        ],
      },
    });
    const resolved = resolveWebhooks(config.alerts, { ARB_SLACK_URL: 'https://hooks.slack.com/services/T0/B0/abc', ARB_TG_TOKEN: TOKEN });
    expect(resolved).toEqual([
      expect.objectContaining({ name: 'webhooks[0] (slack)', url: 'https://hooks.slack.com/services/T0/B0/abc', kinds: expect.arrayContaining(['LEG_UNWOUND', 'BOT_STARTED']) }),
      expect.objectContaining({ name: 'webhooks[1] (telegram)', url: `https://api.telegram.org/bot${TOKEN}/sendMessage`, chatId: '-1001' }),
    ]);
    expect(() => resolveWebhooks(config.alerts, { ARB_SLACK_URL: 'not a url' })).toThrow(
      /alerts\.webhooks\[0\]\.url_env = "ARB_SLACK_URL": ARB_SLACK_URL must hold an http:\/\/ or https:\/\/ URL[\s\S]*alerts\.webhooks\[1\]\.bot_token_env = "ARB_TG_TOKEN": the environment variable ARB_TG_TOKEN is not set/,
    );
  });
});

describe('a sim run with a webhook', () => {
  let receiver: WebhookReceiver | undefined;
  let runsDir: string;
  beforeEach(() => {
    runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'arb-alerts-'));
  });
  afterEach(async () => {
    await receiver?.close();
    fs.rmSync(runsDir, { recursive: true, force: true });
  });

  it('tells the receiver it started and stopped, as generic JSON', async () => {
    receiver = await startWebhookReceiver([{ status: 200 }]);
    const config = { ...defaultConfig(), alerts: { ...defaultConfig().alerts, minIntervalMs: 0 } };
    const handle = startRun({
      mode: 'sim',
      config,
      seed: 1,
      closeOnExit: true,
      durationSec: 1.5,
      runsDir,
      logLevel: 'info',
      alerts: [{ name: 'ops', format: 'json', url: `${receiver.url}/alerts/secret-path-0123456789`, kinds: ['BOT_STARTED', 'BOT_SHUTDOWN'] }],
    });
    const result = await handle.done;
    const bodies = receiver.requests.map((r) => r.body as { kind: string; text: string; event: { type: string } });
    expect(bodies.map((b) => b.kind)).toEqual(['BOT_STARTED', 'BOT_SHUTDOWN']);
    expect(bodies[0]!.text).toBe('[vest-paradex-arb sim] BOT_STARTED: BOT_STARTED mode=sim pairs=BTC-PERP');
    expect(bodies[1]!.event.type).toBe('BOT_SHUTDOWN');
    const botLog = fs.readFileSync(path.join(result.runDir, 'bot.log'), 'utf8');
    expect(botLog).toContain('alert sent: BOT_SHUTDOWN to ops');
    expect(botLog).not.toContain('secret-path-0123456789');
  }, 30_000);
});
