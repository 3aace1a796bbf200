import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { outputDirProblem, outputFileProblem } from '../../src/config/output-paths';

describe('output paths, checked before a run', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'arb-out-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('accepts a new or existing file in a writable folder, and creates nothing', () => {
    expect(outputFileProblem(path.join(dir, 's.json'))).toBeUndefined();
    fs.writeFileSync(path.join(dir, 'old.json'), '{}');
    expect(outputFileProblem(path.join(dir, 'old.json'))).toBeUndefined();
    expect(fs.readdirSync(dir)).toEqual(['old.json']);
  });

  it('says why a summary file cannot be written', () => {
    expect(outputFileProblem(path.join(dir, 'nope', 's.json'))).toBe(`its folder ${path.join(dir, 'nope')} does not exist`);
    expect(outputFileProblem(dir)).toBe('is a directory');
    fs.writeFileSync(path.join(dir, 'file'), '');
    expect(outputFileProblem(path.join(dir, 'file', 's.json'))).toBe(`${path.join(dir, 'file')} is not a folder`);
  });

  it('accepts a runs folder that exists or can be created, and creates nothing', () => {
    expect(outputDirProblem(dir)).toBeUndefined();
    expect(outputDirProblem(path.join(dir, 'a', 'b', 'runs'))).toBeUndefined();
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('says why a runs folder cannot be used', () => {
    fs.writeFileSync(path.join(dir, 'file'), '');
    expect(outputDirProblem(path.join(dir, 'file'))).toBe('is a file, not a folder');
    expect(outputDirProblem(path.join(dir, 'file', 'runs'))).toBe(`${path.join(dir, 'file')} is a file, not a folder`);
  });
});
