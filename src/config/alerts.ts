/**
 * The webhooks' secrets, read at start: a URL from `url` or the variable `url_env` names, a Telegram bot token
 * from `bot_token` or `bot_token_env` (put into the sendMessage URL, https://core.telegram.org/bots/api#making-requests).
 * A variable that is missing or empty is a config error naming the variable, never a value.
 */
import type { AlertKind } from '../domain/alerts';
import { ConfigError, type ConfigIssue } from './errors';
import type { AlertsConfig } from './types';

export interface ResolvedWebhook {
  readonly name: string;
  readonly format: 'json' | 'telegram' | 'slack' | 'discord';
  /** The URL to POST to (for telegram: `<base>/bot<token>/sendMessage`). A secret. */
  readonly url: string;
  readonly chatId?: string;
  readonly kinds: readonly AlertKind[];
}

export function resolveWebhooks(alerts: AlertsConfig, env: Readonly<Record<string, string | undefined>>): ResolvedWebhook[] {
  const issues: ConfigIssue[] = [];
  const fromEnv = (name: string, path: string): string | undefined => {
    const value = env[name]?.trim();
    if (value === undefined || value === '') issues.push({ path, value: JSON.stringify(name), rule: `the environment variable ${name} is not set` });
    return value === '' ? undefined : value;
  };
  const out: ResolvedWebhook[] = [];
  alerts.webhooks.forEach((w, i) => {
    const at = (field: string) => `alerts.webhooks[${i}].${field}`;
    let url = w.urlEnv !== undefined ? fromEnv(w.urlEnv, at('url_env')) : w.url;
    if (url !== undefined && w.urlEnv !== undefined && !isHttpUrl(url)) {
      issues.push({ path: at('url_env'), value: JSON.stringify(w.urlEnv), rule: `${w.urlEnv} must hold an http:// or https:// URL (its value is not shown: it is a secret)` });
      url = undefined;
    }
    if (w.format === 'telegram') {
      const token = w.botTokenEnv !== undefined ? fromEnv(w.botTokenEnv, at('bot_token_env')) : w.botToken;
      if (token !== undefined && !/^\d{5,12}:[A-Za-z0-9_-]{30,}$/.test(token)) {
        issues.push({ path: at('bot_token_env'), value: JSON.stringify(w.botTokenEnv), rule: 'must hold a Telegram bot token (<digits>:<35 characters>, from @BotFather)' });
        return;
      }
      if (url === undefined || token === undefined) return;
      out.push({ name: w.name, format: w.format, url: `${url.replace(/\/+$/, '')}/bot${token}/sendMessage`, chatId: w.chatId!, kinds: w.kinds });
      return;
    }
    if (url !== undefined) out.push({ name: w.name, format: w.format, url, kinds: w.kinds });
  });
  if (issues.length > 0) throw new ConfigError(issues);
  return out;
}

function isHttpUrl(value: string): boolean {
  try {
    return ['http:', 'https:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}
