// A marker names its attempt safely whatever the run and task ids hold (dots, slashes, quotes,
// spaces, non-ASCII), and the sweep reads back exactly that attempt; one too long for a file name
// gets a digest name, its attempt still read from its content.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { markerFile, markerKey, parseMarkerList } from './pgid-markers';

describe('pgid markers', () => {
  it('escape any id into a safe file name and read the attempt back from the listing', () => {
    const a = { runId: "run.1/../x y'z", taskId: 'täsk.*~!', attempt: 3 };
    const file = markerFile('/home/u/.shoal', 'abc123', a);
    const name = path.posix.basename(file);
    expect(path.posix.dirname(file)).toBe('/home/u/.shoal/running/abc123');
    expect(name).toMatch(/^[A-Za-z0-9%_-]+\.[A-Za-z0-9%_-]+\.3\.pgid$/);
    expect(parseMarkerList(`${name} 4242 ${markerKey(a)}\n`)).toEqual([{ file: name, pgid: 4242, ...a }]);
  });

  it('give an attempt with very long ids a digest name, and skip lines that are not whole markers', () => {
    const a = { runId: 'r'.repeat(300), taskId: 't', attempt: 1 };
    const name = path.posix.basename(markerFile('/r', 's', a));
    expect(name).toMatch(/^[0-9a-f]{40}\.pgid$/);
    const listing = [`${name} 7 ${markerKey(a)}`, 'half.pgid ', 'x.pgid 0 a.b.1', 'y.pgid 12 not-a-key', 'z.pgid 12 a.b.0'].join('\n');
    expect(parseMarkerList(listing)).toEqual([{ file: name, pgid: 7, ...a }]);
  });
});
