/**
 * Reads a running bot's GET /api/status (the `status` command): one GET with a deadline that never rejects. "Not
 * running" is an answer too: nothing listens (ECONNREFUSED), or something else does.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { StatusJson } from './state';

export type ApiStatusResult =
  | { readonly ok: true; readonly status: StatusJson }
  | { readonly ok: false; readonly running: boolean; readonly reason: string };

/** `baseUrl` is the API's root (http://127.0.0.1:8080); the token is sent as a bearer when given, never shown. */
export function fetchApiStatus(baseUrl: string, token: string | undefined, timeoutMs = 2000): Promise<ApiStatusResult> {
  return new Promise((resolve) => {
    let url: URL;
    try {
      url = new URL('/api/status', baseUrl);
    } catch {
      resolve({ ok: false, running: false, reason: `not a URL: ${JSON.stringify(baseUrl)}` });
      return;
    }
    const client = url.protocol === 'https:' ? https : http;
    const req = client.get(url, { agent: false, headers: { accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) } });
    const timer = setTimeout(() => {
      req.destroy();
      resolve({ ok: false, running: true, reason: `no answer within ${timeoutMs} ms` });
    }, timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const nothing = err.code === 'ECONNREFUSED';
      resolve({ ok: false, running: !nothing, reason: nothing ? 'nothing listens there' : `cannot read it: ${err.code ?? 'request failed'}` });
    });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c.length + body.length > 4 << 20 ? '' : c));
      res.on('end', () => {
        clearTimeout(timer);
        if (res.statusCode !== 200) {
          resolve({ ok: false, running: true, reason: `HTTP ${res.statusCode}${res.statusCode === 401 || res.statusCode === 403 ? ' (set ARB_API_TOKEN to the bot\'s token)' : ''}` });
          return;
        }
        try {
          const status = JSON.parse(body) as StatusJson;
          if (!Array.isArray(status.pairs)) throw new Error('no pairs');
          resolve({ ok: true, status });
        } catch {
          resolve({ ok: false, running: true, reason: 'the answer is not a bot status (another program on that port?)' });
        }
      });
    });
  });
}
