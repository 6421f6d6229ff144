// The progress `capf bulk run` shows: the cli-progress bar on a terminal, plain lines otherwise, and the rate and ETA.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { barProgress, plainProgress, RateMeter, type ShownJob } from '../../../cli/bulk-progress.ts';

const job = (state: ShownJob['state'], done: number, failed: number, total?: number): ShownJob => ({
  id: '20261203-1a2b3c4d',
  state,
  operation: 'install',
  selection: { prefix: 'SEP' },
  runAt: '2026-12-03T06:00:00.000Z',
  createdAt: '2026-12-03T06:00:00.000Z',
  createdBy: 'local',
  nextChunk: 0,
  done,
  failed,
  updatedAt: '2026-12-03T06:00:00.000Z',
  ...(total !== undefined ? { total } : {}),
});

describe('bulk progress', () => {
  it('measures the rate from the first sample and the time left at that rate', () => {
    const meter = new RateMeter();
    expect(meter.sample(0, 5000, 1_000)).toEqual({});
    expect(meter.sample(0, 5000, 1_500)).toEqual({});
    expect(meter.sample(1000, 5000, 1_500 + 500)).toEqual({ rate: 1000, etaSeconds: 4 });
    expect(meter.sample(3000, undefined, 4_000)).toEqual({ rate: 1000 });
  });

  it('writes one line per change of state or counts, none when nothing moved', () => {
    const lines: string[] = [];
    const view = plainProgress((line) => lines.push(line));
    view.update(job('scheduled', 0, 0));
    view.update(job('scheduled', 0, 0));
    view.update(job('running', 250, 0, 1000));
    view.update(job('running', 250, 0, 1000));
    view.update(job('done', 990, 10, 1000));
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe('job 20261203-1a2b3c4d scheduled: fixing its targets\n');
    expect(lines[1]).toMatch(/^job 20261203-1a2b3c4d running: 250\/1000(, \d+\/s, ETA \d+s)?\n$/);
    expect(lines[2]).toMatch(/^job 20261203-1a2b3c4d done: 1000\/1000 \(10 failed\)(, \d+\/s)?\n$/);
  });

  it('draws a bar with the counts, the rate (once measurable) and the failures on a terminal, ending at the total', async () => {
    const terminal = Object.assign(new PassThrough(), { isTTY: true, columns: 160 });
    let drawn = '';
    terminal.on('data', (chunk: Buffer) => (drawn += chunk.toString()));
    const view = await barProgress(terminal as unknown as NodeJS.WriteStream);
    view.update(job('scheduled', 0, 0));
    view.update(job('running', 250, 0, 1000));
    view.update(job('done', 990, 10, 1000));
    view.stop();
    const escape = String.fromCharCode(27); // the cursor and colour codes of the terminal, removed
    const text = drawn.replace(new RegExp(`${escape}\\[[0-9;?]*[A-Za-z]|${escape}[78]`, 'g'), '');
    expect(text).toMatch(/job 20261203-1a2b3c4d done \|[█░]+\| 1000\/1000 100% \| (\d+|-)\/s \| ETA \S+ \| 10 failed/);
  });
});
