/**
 * A test environment that finds test files which leave handles behind (jest's "A worker process has failed to exit
 * gracefully" names no file). On for a run with `ARB_HANDLE_PROBE=FILE npm test` (jest.config.ts): per test file,
 * the worker's active resources by type when the file starts and when it ends (after its own afterAll hooks, and a
 * short settle for sockets that are closing); a file that ends with more of a type than it started with is
 * appended to FILE as one JSON line. Off, jest's own node environment runs as always.
 */
import type { EnvironmentContext, JestEnvironmentConfig } from '@jest/environment';
import * as fs from 'node:fs';
import { TestEnvironment } from 'jest-environment-node';

function resourceCounts(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) counts[r] = (counts[r] ?? 0) + 1;
  return counts;
}

/** The types held more at the end than at the start, with both counts. */
export function grownResources(before: Record<string, number>, after: Record<string, number>): Record<string, [number, number]> {
  const grown: Record<string, [number, number]> = {};
  for (const type of Object.keys(after)) {
    if ((after[type] ?? 0) > (before[type] ?? 0)) grown[type] = [before[type] ?? 0, after[type]!];
  }
  return grown;
}

const SETTLE_MS = 300;

export default class HandleProbeEnvironment extends TestEnvironment {
  private readonly testPath: string;
  private before: Record<string, number> = {};

  constructor(config: JestEnvironmentConfig, context: EnvironmentContext) {
    super(config, context);
    this.testPath = context.testPath;
  }

  override async setup(): Promise<void> {
    await super.setup();
    this.before = resourceCounts();
  }

  override async teardown(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const grown = grownResources(this.before, resourceCounts());
    const out = process.env.ARB_HANDLE_PROBE;
    if (out && Object.keys(grown).length > 0) fs.appendFileSync(out, `${JSON.stringify({ file: this.testPath, grown })}\n`);
    await super.teardown();
  }
}
