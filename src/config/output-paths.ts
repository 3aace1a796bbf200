/**
 * Checks, before a run starts, that the places it will write to can be written: a run that trades for an
 * hour and then cannot write its summary has lost what the user asked for. Nothing is created here.
 * Each check returns the problem in words (or undefined), for a `flag path: problem` message.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

function statOf(p: string): fs.Stats | undefined {
  try {
    return fs.statSync(p);
  } catch {
    return undefined;
  }
}

/** Why `dir` cannot take new entries, or undefined when it can. */
function notWritable(dir: string): string | undefined {
  try {
    fs.accessSync(dir, fs.constants.W_OK | fs.constants.X_OK);
    return undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'EROFS' ? 'read-only file system' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (code ?? 'not writable');
    return `cannot write in ${dir} (${why})`;
  }
}

/** A file the run will create or replace at its end (`--summary-json`). */
export function outputFileProblem(file: string): string | undefined {
  const abs = path.resolve(file);
  const st = statOf(abs);
  if (st?.isDirectory()) return 'is a directory';
  if (st) {
    try {
      fs.accessSync(abs, fs.constants.W_OK);
      return undefined;
    } catch {
      return 'exists and cannot be written (permission denied)';
    }
  }
  const parent = path.dirname(abs);
  const pst = statOf(parent);
  if (!pst) return `its folder ${parent} does not exist`;
  if (!pst.isDirectory()) return `${parent} is not a folder`;
  return notWritable(parent);
}

/** A folder the run will create (with its parents) if missing and write into (`--runs-dir`). */
export function outputDirProblem(dir: string): string | undefined {
  const abs = path.resolve(dir);
  let existing = abs;
  let st = statOf(existing);
  while (!st) {
    const up = path.dirname(existing);
    if (up === existing) return `no part of ${abs} exists`;
    existing = up;
    st = statOf(existing);
  }
  if (!st.isDirectory()) return existing === abs ? 'is a file, not a folder' : `${existing} is a file, not a folder`;
  return notWritable(existing);
}
