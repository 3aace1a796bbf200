/**
 * `.ci/run`, the CI entry, with a stand-in `npm` on PATH (no install, no real suite): it runs the type check
 * and the lint before the tests, fails on either, and its last line is always `tests: N passed, N failed`.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const CI_RUN = path.resolve(__dirname, '../../.ci/run');

/** Records each call in calls.log; outcomes come from the environment the test sets. */
const FAKE_NPM = `#!/usr/bin/env bash
echo "$*" >> "$FAKE_LOG"
case "$1" in
  ci) exit 0 ;;
  run)
    case "$3" in
      typecheck) [ "$FAKE_TYPECHECK_RC" = 0 ] || echo "src/x.ts(1,7): error TS2322: Type 'string' is not assignable to type 'number'."; exit "$FAKE_TYPECHECK_RC" ;;
      lint) [ "$FAKE_LINT_RC" = 0 ] || echo "src/x.ts  1:7  error  'x' is assigned a value but never used"; exit "$FAKE_LINT_RC" ;;
    esac ;;
  test)
    for a in "$@"; do case "$a" in --outputFile=*) out="\${a#--outputFile=}" ;; esac; done
    printf '{"numPassedTests":5,"numFailedTests":%s,"numRuntimeErrorTestSuites":0}' "$FAKE_TESTS_FAILED" > "$out"
    [ "$FAKE_TESTS_FAILED" = 0 ] ; exit $? ;;
esac
exit 99
`;

interface Outcome {
  status: number | null;
  lastLine: string;
  stderr: string;
  calls: string[];
}

describe('.ci/run', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ci-run-'));
    fs.mkdirSync(path.join(dir, 'repo/.ci'), { recursive: true });
    fs.copyFileSync(CI_RUN, path.join(dir, 'repo/.ci/run'));
    fs.mkdirSync(path.join(dir, 'bin'));
    fs.writeFileSync(path.join(dir, 'bin/npm'), FAKE_NPM, { mode: 0o755 });
    // Present, so the script does not try to install it.
    fs.writeFileSync(path.join(dir, 'bin/chromium'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  function ci(typecheckRc: number, lintRc: number, testsFailed: number): Outcome {
    const log = path.join(dir, `calls-${typecheckRc}-${lintRc}-${testsFailed}.log`);
    const r = spawnSync('bash', [path.join(dir, 'repo/.ci/run')], {
      encoding: 'utf8',
      timeout: 30_000,
      env: {
        PATH: `${path.join(dir, 'bin')}:${path.dirname(process.execPath)}:/usr/bin:/bin`,
        FAKE_LOG: log,
        FAKE_TYPECHECK_RC: String(typecheckRc),
        FAKE_LINT_RC: String(lintRc),
        FAKE_TESTS_FAILED: String(testsFailed),
      },
    });
    const lines = r.stdout.trimEnd().split('\n');
    return { status: r.status, lastLine: lines.at(-1) ?? '', stderr: r.stderr, calls: fs.readFileSync(log, 'utf8').trim().split('\n').map((c) => c.split(' ')[0] === 'run' ? c.split(' ')[2]! : c.split(' ')[0]!) };
  }

  it('runs install, type check, lint, then the tests, and passes when all pass', () => {
    const r = ci(0, 0, 0);
    expect(r.calls).toEqual(['ci', 'typecheck', 'lint', 'test']);
    expect(r.lastLine).toBe('tests: 5 passed, 0 failed');
    expect(r.status).toBe(0);
  });

  it('fails on a type error, still ending with the summary line, which counts it', () => {
    const r = ci(2, 0, 0);
    expect(r.status).not.toBe(0);
    expect(r.lastLine).toBe('tests: 5 passed, 1 failed');
    expect(r.stderr).toContain('ci: npm run typecheck failed');
    expect(r.stderr).toContain('error TS2322');
  });

  it('fails on a lint error, still ending with the summary line', () => {
    const r = ci(0, 1, 0);
    expect(r.status).not.toBe(0);
    expect(r.lastLine).toBe('tests: 5 passed, 1 failed');
    expect(r.stderr).toContain('ci: npm run lint failed');
  });

  it('counts both failed checks beside the failed tests', () => {
    const r = ci(2, 1, 2);
    expect(r.calls).toEqual(['ci', 'typecheck', 'lint', 'test']);
    expect(r.status).not.toBe(0);
    expect(r.lastLine).toBe('tests: 5 passed, 4 failed');
  });
});
