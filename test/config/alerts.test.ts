/**
 * config.yaml `alerts`: defaults, and errors that name the field, the value and the rule, never a secret.
 */
import { parseConfig, parseConfigObject } from '../../src/config';
import { DEFAULT_ALERT_KINDS } from '../../src/domain/alerts';

const SLACK = 'https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX';

function errorOf(raw: unknown): string {
  try {
    parseConfigObject(raw);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected a config error');
}

describe('alerts config', () => {
  it('has no webhooks by default, and the documented rules', () => {
    const { alerts } = parseConfigObject({ bots: [{ pair: 'BTC-PERP' }] }).config;
    expect(alerts).toEqual({ webhooks: [], closeFailedAfter: 3, feedStaleAfterMs: 60_000, minIntervalMs: 1000, queueLimit: 100, maxAttempts: 5, timeoutMs: 5000 });
  });

  it('reads a webhook per format, with the default event kinds', () => {
    const { alerts } = parseConfig(
      [
        'bots: [{ pair: BTC-PERP }]',
        'alerts:',
        '  feed_stale_after_sec: 30',
        '  webhooks:',
        `    - { format: slack, url: "${SLACK}" }`,
        '    - { format: discord, url_env: DISCORD_WEBHOOK_URL, events: [LEG_UNWOUND, MAX_LOSS_REACHED] }',
        '    - { name: phone, format: telegram, bot_token_env: TELEGRAM_BOT_TOKEN, chat_id: "@arb_alerts" }',
        '    - { format: json, url: "http://127.0.0.1:9000/alerts" }',
      ].join('\n'),
    ).config;
    expect(alerts.feedStaleAfterMs).toBe(30_000);
    expect(alerts.webhooks.map((w) => [w.name, w.format, w.kinds])).toEqual([
      ['webhooks[0] (slack)', 'slack', DEFAULT_ALERT_KINDS],
      ['webhooks[1] (discord)', 'discord', ['LEG_UNWOUND', 'MAX_LOSS_REACHED']],
      ['phone', 'telegram', DEFAULT_ALERT_KINDS],
      ['webhooks[3] (json)', 'json', DEFAULT_ALERT_KINDS],
    ]);
    expect(alerts.webhooks[2]!.url).toBe('https://api.telegram.org');
  });

  it('names the field, the value and the rule for a bad format or event kind', () => {
    const message = errorOf({ bots: [{ pair: 'BTC-PERP' }], alerts: { webhooks: [{ format: 'teams', url: SLACK, events: ['LEG_UNWOUN'] }] } });
    expect(message).toContain(`config error: alerts.webhooks[0].format = "teams": must be 'json', 'telegram', 'slack' or 'discord'`);
    expect(message).toContain('config error: alerts.webhooks[0].events[0] = "LEG_UNWOUN": must be one of BOT_STARTED, BOT_SHUTDOWN, LEG_UNWOUND');
  });

  it('never prints a webhook URL or a bot token in an error', () => {
    const message = errorOf({
      bots: [{ pair: 'BTC-PERP' }],
      alerts: { webhooks: [{ format: 'slack', url: 'hooks.slack.com/services/T0/B0/SECRETSECRET' }, { format: 'telegram', bot_token: 'not-a-token-SECRETSECRET', chat_id: 1 }] },
    });
    expect(message).toContain('alerts.webhooks[0].url = <redacted>: must be an http:// or https:// URL');
    expect(message).toContain('alerts.webhooks[1].bot_token = <redacted>: must be a Telegram bot token');
    expect(message).not.toContain('SECRETSECRET');
  });

  it('needs exactly one of url and url_env, and a Telegram token and chat', () => {
    const message = errorOf({ bots: [{ pair: 'BTC-PERP' }], alerts: { webhooks: [{ format: 'discord' }, { format: 'telegram' }, { format: 'slack', url: SLACK, chat_id: 5 }] } });
    expect(message.split('\n')).toEqual([
      'config error: alerts.webhooks[0].url_env = (missing): a discord webhook needs exactly one of url, url_env',
      'config error: alerts.webhooks[1].bot_token_env = (missing): a telegram webhook needs exactly one of bot_token, bot_token_env',
      'config error: alerts.webhooks[1].chat_id = (missing): is required for a telegram webhook',
      'config error: alerts.webhooks[2].chat_id = 5: only applies to telegram',
    ]);
  });

  it('refuses rules out of range', () => {
    expect(errorOf({ bots: [{ pair: 'BTC-PERP' }], alerts: { close_failed_after: 0 } })).toBe('config error: alerts.close_failed_after = 0: must be an integer >= 1');
    expect(errorOf({ bots: [{ pair: 'BTC-PERP' }], alerts: { queue_limit: 1e6 } })).toBe('config error: alerts.queue_limit = 1000000: must be an integer from 1 to 10000');
  });
});
