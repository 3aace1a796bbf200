import { credentialsFromEnv, envSettings, logLevelFromRustLog } from '../../src/config/env';
import { configErrorOf } from '../support/config-error';

describe('environment settings', () => {
  it('maps RUST_LOG levels, trace -> debug, and defaults to info', () => {
    expect(logLevelFromRustLog(undefined)).toBe('info');
    expect(logLevelFromRustLog('')).toBe('info');
    expect(logLevelFromRustLog('error')).toBe('error');
    expect(logLevelFromRustLog('warn')).toBe('warn');
    expect(logLevelFromRustLog('INFO')).toBe('info');
    expect(logLevelFromRustLog('debug')).toBe('debug');
    expect(logLevelFromRustLog('trace')).toBe('debug');
  });

  it('takes the most verbose level of an EnvFilter directive list', () => {
    expect(logLevelFromRustLog('hft_bot=debug,info')).toBe('debug');
    expect(logLevelFromRustLog('warn,hft_bot::core=info')).toBe('info');
    expect(logLevelFromRustLog('hyper=off,error')).toBe('error');
    expect(logLevelFromRustLog('off')).toBe('error');
    // A bare target enables every level for it, as in EnvFilter.
    expect(logLevelFromRustLog('hft_bot')).toBe('debug');
  });

  it('reads the production flags, account group and log format with their defaults', () => {
    expect(envSettings({})).toEqual({ vestProduction: true, paradexProduction: true, vestAccountGroup: undefined, logLevel: 'info', logFormat: 'json' });
    expect(
      envSettings({ VEST_PRODUCTION: 'false', PARADEX_PRODUCTION: '0', VEST_ACCOUNT_GROUP: '3', LOG_FORMAT: 'pretty', RUST_LOG: 'debug' }),
    ).toEqual({ vestProduction: false, paradexProduction: false, vestAccountGroup: 3, logLevel: 'debug', logFormat: 'pretty' });
  });

  it('names each bad variable', () => {
    const err = configErrorOf(() => envSettings({ VEST_PRODUCTION: 'maybe', LOG_FORMAT: 'xml', VEST_ACCOUNT_GROUP: '-1' }));
    expect(err.message.split('\n')).toEqual([
      'config error: VEST_PRODUCTION = "maybe": must be true or false',
      'config error: VEST_ACCOUNT_GROUP = "-1": must be an integer >= 0',
      'config error: LOG_FORMAT = "xml": must be \'json\' or \'pretty\'',
    ]);
  });
});

describe('credentialsFromEnv', () => {
  const vestPrimaryKey = '0x' + '1a'.repeat(32);
  const vestSigningKey = '0x' + '2b'.repeat(32);
  const paradexKey = '0x' + '0' + '3c'.repeat(31) + 'd';
  const full = {
    VEST_PRIMARY_ADDR: '0x' + 'Ab'.repeat(20),
    VEST_PRIMARY_KEY: vestPrimaryKey,
    VEST_SIGNING_KEY: vestSigningKey.slice(2), // without 0x, as some users write it
    PARADEX_PRIVATE_KEY: paradexKey,
    PARADEX_ACCOUNT_ADDRESS: '0x5e11',
  };

  it('returns typed credentials for both venues, keys normalised to lowercase 0x hex', () => {
    const c = credentialsFromEnv({ ...full, VEST_ACCOUNT_GROUP: '1', PARADEX_PRODUCTION: 'false' });
    expect(c.vest).toEqual({
      primaryAddr: '0x' + 'ab'.repeat(20),
      primaryKey: vestPrimaryKey,
      signingKey: vestSigningKey,
      apiKey: undefined,
      production: true,
      accountGroup: 1,
    });
    expect(c.paradex).toEqual({ privateKey: paradexKey, accountAddress: '0x5e11', production: false });
  });

  it('does not need the Vest primary key when an API key is given', () => {
    const { VEST_PRIMARY_KEY: _omit, ...rest } = full;
    const c = credentialsFromEnv({ ...rest, VEST_API_KEY: 'api-key-123' });
    expect(c.vest.primaryKey).toBeUndefined();
    expect(c.vest.apiKey).toBe('api-key-123');
  });

  it('names every missing variable', () => {
    const err = configErrorOf(() => credentialsFromEnv({}));
    expect(err.issues.map((i) => i.path)).toEqual([
      'VEST_PRIMARY_ADDR',
      'VEST_PRIMARY_KEY',
      'VEST_SIGNING_KEY',
      'PARADEX_PRIVATE_KEY',
      'PARADEX_ACCOUNT_ADDRESS',
    ]);
    expect(err.issues.every((i) => i.value === '(missing)')).toBe(true);
  });

  it('names a malformed key without ever printing its value', () => {
    const shortKey = '0x' + 'f'.repeat(62);
    const err = configErrorOf(() => credentialsFromEnv({ ...full, VEST_SIGNING_KEY: shortKey, VEST_API_KEY: 'has space' }));
    expect(err.message).toContain('VEST_SIGNING_KEY = <redacted, 64 characters>: must be a secp256k1 private key: 0x followed by 64 hex digits');
    expect(err.message).toContain('VEST_API_KEY = <redacted, 9 characters>');
    expect(err.message).not.toContain(shortKey);
    expect(err.message).not.toContain('f'.repeat(20));
    expect(err.message).not.toContain('has space');
  });

  it('refuses a Stark key of zero or beyond the curve order', () => {
    for (const bad of ['0x0', '0x' + 'f'.repeat(64), 'not-hex']) {
      const err = configErrorOf(() => credentialsFromEnv({ ...full, PARADEX_PRIVATE_KEY: bad }));
      expect(err.issues.map((i) => i.path)).toEqual(['PARADEX_PRIVATE_KEY']);
      expect(err.message).not.toContain(bad);
    }
  });

  it('refuses Vest keys of 64 hex digits that are not secp256k1 scalars (zero, n, above n), without printing them', () => {
    const n = 'fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141';
    for (const bad of ['0x' + '0'.repeat(64), '0x' + n, '0x' + 'f'.repeat(64)]) {
      for (const name of ['VEST_SIGNING_KEY', 'VEST_PRIMARY_KEY']) {
        const err = configErrorOf(() => credentialsFromEnv({ ...full, [name]: bad }));
        expect(err.issues.map((i) => i.path)).toEqual([name]);
        expect(err.message).toContain('below the curve order');
        if (BigInt(bad) === 0n) continue;
        expect(err.message).not.toContain(bad.slice(2, 22));
        expect(err.message).not.toContain(BigInt(bad).toString().slice(0, 20));
      }
    }
    // n - 1 is the largest valid key.
    const largest = '0x' + n.slice(0, -1) + '0';
    expect(credentialsFromEnv({ ...full, VEST_SIGNING_KEY: largest }).vest.signingKey).toBe(largest);
  });

  it('refuses the placeholder account address 0x0', () => {
    const err = configErrorOf(() => credentialsFromEnv({ ...full, PARADEX_ACCOUNT_ADDRESS: '0x0' }));
    expect(err.issues.map((i) => i.path)).toEqual(['PARADEX_ACCOUNT_ADDRESS']);
  });
});
