// How a stored host ref reads back and how it is shown to a person: an SSH group whose pgid never
// came back (pgid null) is known by its marker, which the description names so that whoever takes
// its reap over can find the group (the marker's first word is its pgid).
import { describe, expect, it } from 'vitest';
import { describeHostRef, parseHostRef, serializeHostRef, type HostRef } from './host-ref';

const dir = '/home/me/.shoal/work/r/t-1';
const marker = '/home/me/.shoal/running/s1/r.t.1.pgid';

describe('host refs', () => {
  it('reads back an SSH group known by its pgid, and one known only by its marker', () => {
    const byPgid: HostRef = { kind: 'ssh', host: 'box', port: 22, user: 'me', pgid: 4242, dir };
    const byMarker: HostRef = { kind: 'ssh', host: 'box', port: 22, user: 'me', pgid: null, dir, marker };
    expect(parseHostRef(serializeHostRef(byPgid))).toEqual(byPgid);
    expect(parseHostRef(serializeHostRef(byMarker))).toEqual(byMarker);
    expect(parseHostRef(JSON.stringify({ ...byPgid, pgid: 0 }))).toBeNull();
  });

  it('names the pgid, or else the marker that holds it', () => {
    expect(describeHostRef({ kind: 'ssh', host: 'box', port: 22, user: 'me', pgid: 4242, dir })).toBe('ssh me@box:22 pgid 4242');
    expect(describeHostRef({ kind: 'ssh', host: 'box', port: 22, user: 'me', pgid: null, dir, marker })).toBe(`ssh me@box:22 process group named by its marker ${marker}`);
    expect(describeHostRef({ kind: 'ssh', host: 'box', port: 22, user: 'me', pgid: null, dir })).toBe('ssh me@box:22 process group named by its marker');
  });
});
