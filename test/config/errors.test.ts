import { ConfigError, formatPath, formatValue } from '../../src/config/errors';

describe('ConfigError', () => {
  it('writes one line per problem as `path = value: rule`', () => {
    const err = new ConfigError([
      { path: 'bots[1].spread_entry', value: '-0.5', rule: 'must be > 0 and < 100' },
      { path: 'VEST_SIGNING_KEY', value: '<redacted, 66 characters>', rule: 'must be a key' },
    ]);
    expect(err.message).toBe('config error: bots[1].spread_entry = -0.5: must be > 0 and < 100\nconfig error: VEST_SIGNING_KEY = <redacted, 66 characters>: must be a key');
    expect(err.issues).toHaveLength(2);
    expect(err.detail).toBeUndefined();
  });

  it('names the file once attributed to one, keeping the problems', () => {
    const err = new ConfigError([{ path: 'api.port', value: '70000', rule: 'must be an integer from 0 to 65535' }]).withSource('config.yaml');
    expect(err.message).toBe('config error: config.yaml: api.port = 70000: must be an integer from 0 to 65535');
    expect(err.source).toBe('config.yaml');
    expect(err.issues).toEqual([{ path: 'api.port', value: '70000', rule: 'must be an integer from 0 to 65535' }]);
  });

  it('carries a problem that is not about one field as its detail', () => {
    const err = new ConfigError('invalid YAML: bad indentation').withSource('c.yaml');
    expect(err.message).toBe('config error: c.yaml: invalid YAML: bad indentation');
    expect(err.detail).toBe('invalid YAML: bad indentation');
    expect(err.issues).toEqual([]);
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('ConfigError');
  });
});

describe('formatPath and formatValue', () => {
  it('write a path as users write it', () => {
    expect(formatPath(['bots', 1, 'spread_entry'])).toBe('bots[1].spread_entry');
    expect(formatPath(['risk', 'max_position_base', 'BTC-PERP'])).toBe('risk.max_position_base.BTC-PERP');
    expect(formatPath([])).toBe('');
  });

  it('quote strings and summarise lists and mappings', () => {
    expect(formatValue('vest')).toBe('"vest"');
    expect(formatValue(null)).toBe('null');
    expect(formatValue([1, 2, 3])).toBe('[list of 3]');
    expect(formatValue({ a: 1 })).toBe('{…}');
    expect(formatValue(0.5)).toBe('0.5');
  });
});
