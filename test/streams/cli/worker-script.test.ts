/**
 * Sweep workers start on JavaScript bundled once: from TypeScript, the entry and its imports are bundled into
 * one file in a cache folder named by their sources, reused while they are unchanged, and a worker runs it
 * with no TypeScript loader.
 */
import fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { SweepWorkerMessage } from '../../../streams/cli/sweep-worker';
import { workerScript } from '../../../streams/cli/worker-script';

const ENTRY = path.resolve(__dirname, '../../../streams/cli/sweep-worker.ts');

describe('workerScript', () => {
  it('hands built JavaScript over as it is', () => {
    expect(workerScript('/x/dist/streams/cli/sweep-worker.js')).toEqual({ file: '/x/dist/streams/cli/sweep-worker.js', execArgv: [] });
  });

  it('bundles a TypeScript entry and its imports into one file, in a folder reused while the sources are unchanged', () => {
    const first = workerScript(ENTRY);
    expect(first.execArgv).toEqual([]);
    expect(first.file).toMatch(/node_modules\/\.cache\/vest-paradex-arb\/worker-bundle-[0-9a-f]{16}\/sweep-worker\.js$/);
    const bundle = fs.readFileSync(first.file, 'utf8');
    // The imports came along (run.ts, the replay, the journal, rxjs) as JavaScript: no project file is required at run time.
    for (const text of ['replay mode trades the recording (createReplay), not venues', 'no recording files (*.vrec.gz) in this folder', 'is closed', 'object unsubscribed']) expect(bundle).toContain(text);
    expect(bundle).not.toMatch(/require\("\.{1,2}\//);
    // A package only a dynamic import() reaches (the venues' signing, the API server) stays a require, left out of the file.
    expect(bundle).toContain('require("starknet")');
    expect(bundle).toContain('require("fastify")');
    expect(bundle).not.toContain('starknet-types');
    const write = jest.spyOn(fs, 'writeFileSync');
    try {
      expect(workerScript(ENTRY)).toEqual(first);
      expect(write).not.toHaveBeenCalled();
    } finally {
      write.mockRestore();
    }
  }, 120_000);

  it('runs in a worker thread without ts-node: a job with a broken config is answered, not crashed', async () => {
    const { file, execArgv } = workerScript(ENTRY);
    const worker = new Worker(file, { execArgv });
    try {
      const messages: SweepWorkerMessage[] = [];
      const answer = await new Promise<Extract<SweepWorkerMessage, { kind: 'row' }>>((resolve, reject) => {
        worker.on('message', (m: SweepWorkerMessage) => {
          messages.push(m);
          if (m.kind === 'row') resolve(m);
        });
        worker.once('error', reject);
        worker.postMessage({ rawConfig: { bots: 'not a list' }, dataDir: '/nonexistent', latencyMs: 0, runsDir: '/nonexistent' });
      });
      expect(answer.row.skipped).toMatch(/^failed: .*bots/);
      // It said it was ready (modules loaded) before answering, and timed the point.
      expect(messages[0]!.kind).toBe('ready');
      expect(answer.timing.doneAt).toBeGreaterThanOrEqual(answer.timing.startedAt);
    } finally {
      await worker.terminate();
    }
  }, 60_000);
});
