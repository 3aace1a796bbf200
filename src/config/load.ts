/**
 * File and environment reading for the configuration. The parsing rules live in parse.ts and env.ts;
 * this module only turns paths into text and text into process.env entries.
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from './errors';
import { parseConfig, type ParsedConfig } from './parse';

/** Reads and parses config.yaml. A missing or unreadable file is a ConfigError naming the path. */
export function loadConfigFile(path: string): ParsedConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${describeFsError(err)}`);
  }
  try {
    return parseConfig(text);
  } catch (err) {
    // Name the file, so an operator with several files knows which one is wrong.
    if (err instanceof ConfigError) throw err.withSource(path);
    throw err;
  }
}

function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'it is a directory';
  return code ?? (err instanceof Error ? err.message : String(err));
}

export interface DotEnvResult {
  /** Whether the file was there (a missing default .env is no error). */
  readonly found: boolean;
  /** Variable names set from the file (values are never returned here, they may be secrets). */
  readonly applied: string[];
  /** Names present in the file but left alone because the environment already had them. */
  readonly kept: string[];
  /** Lines that could not be read, by line number (never with their content). */
  readonly warnings: string[];
}

/**
 * Parses .env text: `KEY=VALUE`, optional `export `, `#` comments (whole line, or after an unquoted
 * value following a space), 'single' quotes literal, "double" quotes with \n \t \" \\ escapes.
 */
export function parseDotEnv(text: string): { entries: Map<string, string>; warnings: string[] } {
  const entries = new Map<string, string>();
  const warnings: string[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((rawLine, index) => {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) return;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) {
      warnings.push(`.env line ${index + 1}: expected KEY=VALUE, line ignored`);
      return;
    }
    const key = m[1]!;
    const value = unquote(m[2]!);
    if (value === undefined) {
      warnings.push(`.env line ${index + 1}: ${key} has an unterminated quote, line ignored`);
      return;
    }
    entries.set(key, value);
  });
  return { entries, warnings };
}

function unquote(rest: string): string | undefined {
  const q = rest[0];
  if (q === '"' || q === "'") {
    const end = findClosingQuote(rest, q);
    if (end < 0) return undefined;
    const body = rest.slice(1, end);
    return q === "'" ? body : body.replace(/\\([nrt"\\])/g, (_, c: string) => ({ n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' })[c] ?? c);
  }
  const hash = rest.search(/\s#/);
  return (hash >= 0 ? rest.slice(0, hash) : rest).trim();
}

function findClosingQuote(s: string, q: string): number {
  for (let i = 1; i < s.length; i++) {
    if (q === '"' && s[i] === '\\') {
      i++;
      continue;
    }
    if (s[i] === q) return i;
  }
  return -1;
}

/**
 * Loads a .env file into `env` (default process.env) without overriding variables already set,
 * like dotenvy. A missing file is not an error unless `required` (a file the user named): the
 * variables may come from the real environment. An unreadable file always is.
 */
export function loadDotEnv(
  path = '.env',
  env: Record<string, string | undefined> = process.env,
  { required = false }: { required?: boolean } = {},
): DotEnvResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException | undefined)?.code === 'ENOENT' && !required) return { found: false, applied: [], kept: [], warnings: [] };
    throw new ConfigError(`cannot read env file ${path}: ${describeFsError(err)}`);
  }
  const { entries, warnings } = parseDotEnv(text);
  const applied: string[] = [];
  const kept: string[] = [];
  for (const [key, value] of entries) {
    if (env[key] !== undefined) kept.push(key);
    else {
      env[key] = value;
      applied.push(key);
    }
  }
  return { found: true, applied, kept, warnings };
}
