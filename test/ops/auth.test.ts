import { apiSecurityProblem, checkBearer, isLoopbackHost } from '../../src/ops/auth';

const TOKEN = 'a-long-enough-token-123';

describe('API bearer token', () => {
  it('refuses every control request while no token is configured', () => {
    expect(checkBearer(`Bearer ${TOKEN}`, undefined)).toMatchObject({ ok: false, status: 403 });
    expect(checkBearer(undefined, '')).toMatchObject({ ok: false, status: 403 });
  });

  it('accepts only the exact token as a bearer credential', () => {
    expect(checkBearer(`Bearer ${TOKEN}`, TOKEN)).toEqual({ ok: true });
    expect(checkBearer(`bearer ${TOKEN}`, TOKEN)).toEqual({ ok: true });
    for (const header of [undefined, '', TOKEN, `Basic ${TOKEN}`, `Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, 'Bearer ']) {
      expect({ header, result: checkBearer(header, TOKEN) }).toMatchObject({ header, result: { ok: false, status: 401 } });
    }
  });

  it('never says the token in a refusal', () => {
    const refusal = checkBearer('Bearer wrong', TOKEN);
    expect(JSON.stringify(refusal)).not.toContain(TOKEN);
  });
});

describe('API address', () => {
  it('knows loopback addresses', () => {
    expect(['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]'].every(isLoopbackHost)).toBe(true);
    expect(['0.0.0.0', '::', '192.168.1.10', 'bot.example.com'].some(isLoopbackHost)).toBe(false);
  });

  it('refuses a non-loopback address without a token, naming the field, the value and the rule', () => {
    expect(apiSecurityProblem('0.0.0.0', undefined)).toEqual({ path: 'api.host', value: '"0.0.0.0"', rule: expect.stringContaining('ARB_API_TOKEN') });
    expect(apiSecurityProblem('0.0.0.0', TOKEN)).toBeUndefined();
    expect(apiSecurityProblem('127.0.0.1', undefined)).toBeUndefined();
  });

  it('refuses a short token without printing it', () => {
    expect(apiSecurityProblem('127.0.0.1', 'short')).toEqual({ path: 'ARB_API_TOKEN', value: '<redacted>', rule: 'must be at least 16 characters' });
  });
});
