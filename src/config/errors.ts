/**
 * Config errors: one line per problem as `path = value: rule`, secrets redacted by the caller (the
 * value is already formatted). Also the two formatters that write a path and a value as users wrote them.
 */

export interface ConfigIssue {
  /** Field path as the user wrote it, e.g. 'bots[1].spread_entry', or an env variable name. */
  readonly path: string;
  /** The offending value, already formatted (secrets are '<redacted>'). */
  readonly value: string;
  readonly rule: string;
}

/**
 * One line per problem: `config error: bots[1].spread_entry = -0.5: must be > 0 and < 100`.
 * With a source (the file's path) each line reads `config error: config.yaml: bots[1]…`.
 */
export class ConfigError extends Error {
  readonly issues: readonly ConfigIssue[];
  /** Set when the problem is not about one field (unreadable file, broken YAML). */
  readonly detail: string | undefined;
  readonly source: string | undefined;

  constructor(problem: readonly ConfigIssue[] | string, source?: string) {
    const prefix = source === undefined ? 'config error: ' : `config error: ${source}: `;
    super(
      typeof problem === 'string'
        ? prefix + problem
        : problem.map((i) => `${prefix}${i.path} = ${i.value}: ${i.rule}`).join('\n'),
    );
    this.name = 'ConfigError';
    this.issues = typeof problem === 'string' ? [] : problem;
    this.detail = typeof problem === 'string' ? problem : undefined;
    this.source = source;
  }

  /** The same problems, attributed to a file. */
  withSource(source: string): ConfigError {
    return new ConfigError(this.detail ?? this.issues, source);
  }
}

/** ['bots', 1, 'spread_entry'] -> 'bots[1].spread_entry'. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

/** A value as a config line shows it: strings quoted, lists and mappings summarised. */
export function formatValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return `[list of ${value.length}]`;
  if (typeof value === 'object') return '{…}';
  return String(value);
}
