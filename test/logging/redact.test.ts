import { REDACTED, errorText, isSecretFieldName, redact, redactText, scrubErrorText } from '../../src/logging/redact';

const KEY = '0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318';
const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk';

describe('redactText', () => {
  it('hides 0x + 64 hex private keys, with or without the 0x', () => {
    expect(redactText(`key ${KEY} end`)).toBe(`key ${REDACTED} end`);
    expect(redactText(`key ${KEY.slice(2)} end`)).toBe(`key ${REDACTED} end`);
  });

  it('hides Stark keys written with fewer leading digits', () => {
    const stark = '0x' + '7'.repeat(63);
    expect(redactText(stark)).toBe(REDACTED);
  });

  it('keeps addresses, order ids and prices readable', () => {
    const text = 'addr 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed id 0x1f2e price 95000.12 seq 1234567';
    expect(redactText(text)).toBe(text);
  });

  it('hides JWTs and Bearer tokens', () => {
    expect(redactText(`jwt=${JWT}`)).not.toContain(JWT);
    expect(redactText(`token ${JWT}.`)).toBe(`token ${REDACTED}.`);
    expect(redactText('Authorization: Bearer abc.def-ghi')).toBe(`Authorization: Bearer ${REDACTED}`);
  });

  it('hides values after secret names in query strings and serialised JSON', () => {
    expect(redactText('wss://h/ws-api?version=1.0&listenKey=Zx81q&x=1')).toBe(`wss://h/ws-api?version=1.0&listenKey=${REDACTED}&x=1`);
    expect(redactText('{"apiKey":"Zx81q","n":1}')).toBe(`{"apiKey":"${REDACTED}","n":1}`);
    expect(redactText('X-API-KEY: Zx81q')).toBe(`X-API-KEY: ${REDACTED}`);
  });
});

describe('redactText: webhook credentials', () => {
  it('hides a Slack or Discord webhook URL past its host, and a Telegram bot token alone or in its URL', () => {
    expect(redactText('POST https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX failed')).toBe(
      'POST https://hooks.slack.com/<redacted> failed',
    );
    expect(redactText('https://discord.com/api/webhooks/123456789012345678/AbCdEf-gh_IJ and https://discordapp.com/api/v10/webhooks/1/x')).toBe(
      'https://discord.com/api/webhooks/<redacted> and https://discordapp.com/api/v10/webhooks/<redacted>',
    );
    expect(redactText('https://api.telegram.org/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1/sendMessage')).toBe('https://api.telegram.org/<redacted>/sendMessage');
    expect(redactText('token 123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1')).toBe('token <redacted>');
  });

  it('keeps times and ratios readable', () => {
    expect(redactText('at 12:34:56.789 ratio 3:2')).toBe('at 12:34:56.789 ratio 3:2');
  });
});

describe('redactText: prose about keys', () => {
  it('leaves messages about a key readable: a redacted placeholder and a 2-character "0x" are not secrets', () => {
    const text = 'config error: VEST_SIGNING_KEY = <redacted, 66 characters>: must be a secp256k1 private key: 0x followed by 64 hex digits';
    expect(redactText(text)).toBe(text);
  });
});

describe('redactText: keys written in decimal', () => {
  const decimalKey = BigInt(KEY).toString(10);

  it('hides a 256-bit number written in decimal, as signing libraries print a key they refuse', () => {
    const text = `expected valid scalar: 1 <= n < 1157, got ${decimalKey}`;
    expect(redactText(text)).toBe(`expected valid scalar: 1 <= n < 1157, got ${REDACTED}`);
  });

  it('keeps prices, sizes, nonces, nanosecond timestamps and Paradex-style order ids', () => {
    const text = 'px 95000.123456 size 0.00123 nonce 1683849600076 usIn 1682556415569005368 id 1681462103821101699438490000';
    expect(redactText(text)).toBe(text);
  });
});

describe('scrubErrorText', () => {
  const decimalKey = BigInt(KEY).toString(10);

  it('removes any run of 20+ digits or 32+ hex digits from a library error', () => {
    const cut = `got ${decimalKey.slice(0, 25)}…`;
    expect(scrubErrorText(cut)).toBe(`got ${REDACTED}…`);
    expect(scrubErrorText(`key ${KEY.slice(2, 40)} bad`)).toBe(`key ${REDACTED} bad`);
    expect(scrubErrorText(`bad point 0x${'ab'.repeat(20)}`)).toBe(`bad point ${REDACTED}`);
  });

  it('leaves ordinary failure text alone', () => {
    const text = 'Vest order failed: HTTP 400 (code 1004): insufficient margin for 0.0012 BTC-PERP at 95000.5, nonce 1683849600076';
    expect(scrubErrorText(text)).toBe(text);
  });

  it('turns anything thrown into scrubbed text', () => {
    expect(errorText(new RangeError(`expected valid private key, got ${decimalKey}`))).toBe(`expected valid private key, got ${REDACTED}`);
    expect(errorText(`thrown string ${decimalKey}`)).toBe(`thrown string ${REDACTED}`);
  });
});

describe('redact', () => {
  it('hides the values of secret-named fields at any depth, case-insensitively', () => {
    const out = redact({
      apiKey: 'a',
      nested: { PRIVATE_KEY: 'b', list: [{ jwt: 'c', Signature: ['r', 's'] }], price: 1 },
      Authorization: 'd',
      listen_key: 'e',
      secretThing: { deep: 'f' },
    });
    expect(out).toEqual({
      apiKey: REDACTED,
      nested: { PRIVATE_KEY: REDACTED, list: [{ jwt: REDACTED, Signature: REDACTED }], price: 1 },
      Authorization: REDACTED,
      listen_key: REDACTED,
      secretThing: REDACTED,
    });
  });

  it('keeps an unset secret visible as unset, and numbers/booleans under secret-looking names', () => {
    expect(redact({ apiKey: undefined, token: null, tokenCount: 3, hasKey: true })).toEqual({
      apiKey: undefined,
      token: null,
      tokenCount: 3,
      hasKey: true,
    });
  });

  it('redacts strings inside arrays, errors and maps', () => {
    const err = new Error(`bad key ${KEY}`);
    const out = redact({ items: [`x ${KEY}`], err, m: new Map([['privateKey', KEY]]) }) as Record<string, unknown>;
    expect(JSON.stringify(out)).not.toContain(KEY.slice(2));
    expect((out['err'] as { message: string }).message).toBe(`bad key ${REDACTED}`);
    expect(out['m']).toEqual({ privateKey: REDACTED });
  });

  it('does not mutate its input and survives cycles', () => {
    const input: Record<string, unknown> = { apiKey: 'a', inner: { s: KEY } };
    input['self'] = input;
    const out = redact(input) as Record<string, unknown>;
    expect(input['apiKey']).toBe('a');
    expect((input['inner'] as { s: string }).s).toBe(KEY);
    expect(out['self']).toBe('[Circular]');
    expect(out['inner']).toEqual({ s: REDACTED });
  });

  it('recognises secret field names', () => {
    for (const n of ['apiKey', 'api_key', 'X-API-KEY', 'privateKey', 'signingKey', 'secret', 'jwt', 'accessToken', 'authorization', 'signature', 'password']) {
      expect([n, isSecretFieldName(n)]).toEqual([n, true]);
    }
    for (const n of ['pair', 'price', 'clientId', 'address', 'venue', 'message']) expect([n, isSecretFieldName(n)]).toEqual([n, false]);
  });
});
