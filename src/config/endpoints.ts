/**
 * Venue hosts (venues.md §1.1, §2.1) and the URLs a run connects to: config.yaml's URLs, else the
 * prod or dev/testnet hosts VEST_PRODUCTION / PARADEX_PRODUCTION choose.
 */
import type { EnvSettings } from './env';
import { ConfigError } from './errors';
import type { BotConfig } from './types';

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
