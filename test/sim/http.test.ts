import { startHttpServer, type SimHttpServer } from '../../src/sim/http';
import type { SimRoute } from '../../src/sim/types';

let server: SimHttpServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(routes: SimRoute[], guard?: Parameters<typeof startHttpServer>[0]['guard']): Promise<string> {
  server = await startHttpServer({
    host: '127.0.0.1',
    port: 0,
    routes: () => routes,
    notFound: () => ({ status: 404, body: { error: 'NOT_FOUND' } }),
    ...(guard ? { guard } : {}),
  });
  return `http://127.0.0.1:${server.port}`;
}

describe('sim http server', () => {
  it('answers with the first matching route, passing capture groups, query and body', async () => {
    const base = await serve([
      { method: 'POST', path: /^\/v1\/orders\/([^/]+)$/, handle: (req) => ({ status: 201, body: { id: req.params[0], q: req.query.get('x'), body: req.body } }) },
      { method: 'POST', path: /^\/v1\/orders\/.*$/, handle: () => ({ status: 500, body: 'second route must not answer' }) },
    ]);
    const res = await fetch(`${base}/v1/orders/a%20b?x=1`, { method: 'POST', body: '{"k":1}' });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ id: 'a b', q: '1', body: '{"k":1}' });
  });

  it('turns a throwing handler into a 500 and an unmatched path into the 404 answer', async () => {
    const base = await serve([
      {
        method: 'GET',
        path: /^\/boom$/,
        handle: () => {
          throw new Error('kaput');
        },
      },
    ]);
    const boom = await fetch(`${base}/boom`);
    expect(boom.status).toBe(500);
    expect(await boom.json()).toMatchObject({ message: 'kaput' });
    expect((await fetch(`${base}/boom`, { method: 'POST' })).status).toBe(404);
  });

  it('lets a guard answer before any route', async () => {
    const base = await serve([{ method: 'GET', path: /^\/x$/, handle: () => ({ status: 200, body: 'ok' }) }], (req) =>
      req.headers['x-key'] ? undefined : { status: 401, body: { msg: 'no key' } },
    );
    expect((await fetch(`${base}/x`)).status).toBe(401);
    expect((await fetch(`${base}/x`, { headers: { 'x-key': '1' } })).status).toBe(200);
  });
});
