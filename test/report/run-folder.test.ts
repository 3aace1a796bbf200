import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { linkLatestRun, readRotatedLines, rotatedParts } from '../../src/report/run-folder';

// The module object itself (an import namespace cannot be spied on); the code under test reads through to it.
const fsModule = jest.requireActual<typeof fs>('node:fs');

describe('runs/latest', () => {
  let runs: string;
  beforeEach(() => {
    runs = fs.mkdtempSync(path.join(os.tmpdir(), 'arb-latest-'));
  });
  afterEach(() => {
    jest.restoreAllMocks();
    fs.rmSync(runs, { recursive: true, force: true });
  });

  const runFolder = (name: string) => {
    const dir = path.join(runs, name);
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'report.html'), name);
    return dir;
  };

  it('is a relative link to the newest run folder, replaced by the next run, with nothing else left behind', () => {
    expect(linkLatestRun(runFolder('2026-12-01T10-00-00-000Z'))).toBe(true);
    expect(fs.readlinkSync(path.join(runs, 'latest'))).toBe('2026-12-01T10-00-00-000Z');
    expect(linkLatestRun(runFolder('2026-12-01T11-00-00-000Z'))).toBe(true);
    expect(fs.readlinkSync(path.join(runs, 'latest'))).toBe('2026-12-01T11-00-00-000Z');
    expect(fs.readFileSync(path.join(runs, 'latest', 'report.html'), 'utf8')).toBe('2026-12-01T11-00-00-000Z');
    expect(fs.readdirSync(runs).sort()).toEqual(['2026-12-01T10-00-00-000Z', '2026-12-01T11-00-00-000Z', 'latest']);
  });

  it('still resolves when the runs folder is moved (relative target)', () => {
    linkLatestRun(runFolder('r1'));
    const moved = `${runs}-moved`;
    fs.renameSync(runs, moved);
    try {
      expect(fs.readFileSync(path.join(moved, 'latest', 'report.html'), 'utf8')).toBe('r1');
    } finally {
      fs.renameSync(moved, runs);
    }
  });

  it('writes nothing and does not throw where symlinks cannot be made', () => {
    jest.spyOn(fsModule, 'symlinkSync').mockImplementation(() => {
      throw Object.assign(new Error('EPERM: operation not permitted, symlink'), { code: 'EPERM' });
    });
    expect(linkLatestRun(runFolder('r1'))).toBe(false);
    expect(fs.readdirSync(runs)).toEqual(['r1']);
  });

  it('leaves a real file or folder named latest alone', () => {
    fs.mkdirSync(path.join(runs, 'latest'));
    fs.writeFileSync(path.join(runs, 'latest', 'mine.txt'), 'keep');
    expect(linkLatestRun(runFolder('r1'))).toBe(false);
    expect(fs.readFileSync(path.join(runs, 'latest', 'mine.txt'), 'utf8')).toBe('keep');
    expect(fs.readdirSync(runs).sort()).toEqual(['latest', 'r1']);
  });

  it('cleans up its temporary link when the rename fails', () => {
    jest.spyOn(fsModule, 'renameSync').mockImplementation(() => {
      throw Object.assign(new Error('EXDEV'), { code: 'EXDEV' });
    });
    expect(linkLatestRun(runFolder('r1'))).toBe(false);
    expect(fs.readdirSync(runs)).toEqual(['r1']);
  });
});

describe('rotated run-folder files', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'arb-parts-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('lists the parts oldest first (…, .2, .1, the live file) and reads their lines in that order', () => {
    const file = path.join(dir, 'events.ndjson');
    fs.writeFileSync(`${file}.10`, 'a\n');
    fs.writeFileSync(`${file}.2`, 'b\nc\n');
    fs.writeFileSync(`${file}.1`, 'd\n');
    fs.writeFileSync(file, 'e\n');
    fs.writeFileSync(path.join(dir, 'events.ndjson.bak'), 'not a part\n');
    fs.writeFileSync(path.join(dir, 'bot.log.1'), 'another file\n');
    expect(rotatedParts(file)).toEqual([`${file}.10`, `${file}.2`, `${file}.1`, file]);
    expect([...readRotatedLines(file)]).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('is empty for a file that was never written', () => {
    expect(rotatedParts(path.join(dir, 'events.ndjson'))).toEqual([]);
  });
});
