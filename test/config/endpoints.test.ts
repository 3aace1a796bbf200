import { PARADEX_ENDPOINTS, VEST_ENDPOINTS, resolveEndpoints, vestEndpoints } from '../../src/config/endpoints';
import { envSettings } from '../../src/config/env';
import { defaultConfig, parseConfig } from '../../src/config/parse';
import { configErrorOf } from '../support/config-error';

describe('venue endpoints', () => {
  const env = envSettings({});

  it('defaults to the real production hosts', () => {
    const e = resolveEndpoints(defaultConfig(), env);
    expect(e.paradex).toEqual({ restUrl: 'https://api.prod.paradex.trade/v1', wsUrl: 'wss://ws.api.prod.paradex.trade/v1', encoding: 'sbe' });
    expect(e.vest).toEqual({
      restUrl: 'https://server-prod.hz.vestmarkets.com/v2',
      wsUrl: 'wss://ws-prod.hz.vestmarkets.com/ws-api?version=1.0&xwebsocketserver=restserver0',
      accountGroup: 0,
    });
    expect(VEST_ENDPOINTS.prod).toEqual({ restUrl: e.vest.restUrl, wsUrl: e.vest.wsUrl });
  });

  it('uses the Vest dev and Paradex testnet hosts when the production flags are false', () => {
    const e = resolveEndpoints(defaultConfig(), envSettings({ VEST_PRODUCTION: 'false', PARADEX_PRODUCTION: 'false' }));
    expect(e.paradex).toMatchObject(PARADEX_ENDPOINTS.testnet);
    expect(e.paradex.restUrl).toBe('https://api.testnet.paradex.trade/v1');
    expect(e.paradex.wsUrl).toBe('wss://ws.api.testnet.paradex.trade/v1');
    expect(e.vest.restUrl).toBe('https://server-dev.hz.vestmarkets.com/v2');
    expect(e.vest.wsUrl).toBe('wss://ws-dev.hz.vestmarkets.com/ws-api?version=1.0&xwebsocketserver=restserver0');
  });

  it('puts the Vest account group into the WS server name', () => {
    expect(vestEndpoints(true, 4).wsUrl).toBe('wss://ws-prod.hz.vestmarkets.com/ws-api?version=1.0&xwebsocketserver=restserver4');
    const e = resolveEndpoints(defaultConfig(), envSettings({ VEST_ACCOUNT_GROUP: '2' }));
    expect(e.vest.accountGroup).toBe(2);
    expect(e.vest.wsUrl).toMatch(/xwebsocketserver=restserver2$/);
  });

  it('lets URLs written in the config win over the production flags (e.g. the simulator)', () => {
    const { config } = parseConfig('bots:\n  - pair: BTC-PERP\nvenues:\n  vest:\n    rest_url: http://127.0.0.1:5000/v2\n');
    const e = resolveEndpoints(config, envSettings({ VEST_PRODUCTION: 'false' }));
    expect(e.vest.restUrl).toBe('http://127.0.0.1:5000/v2');
    expect(e.vest.wsUrl).toMatch(/^wss:\/\/ws-dev\./);
  });

  it('refuses a config account group that contradicts VEST_ACCOUNT_GROUP', () => {
    const { config } = parseConfig('bots:\n  - pair: BTC-PERP\nvenues:\n  vest:\n    account_group: 1\n');
    const err = configErrorOf(() => resolveEndpoints(config, envSettings({ VEST_ACCOUNT_GROUP: '2' })));
    expect(err.message).toBe('config error: venues.vest.account_group = 1: conflicts with VEST_ACCOUNT_GROUP=2');
  });
});
