import { describe, expect, it } from 'vitest';
import { adoptStored, placeDelta, type Streaming } from './use-thread-stream';

const shown = (text: string, round = 0): Streaming => ({ responseId: 'r1', text, reasoning: '', round });
const delta = (delta: string, at: number, round = 0) => ({ responseId: 'r1', channel: 'text' as const, delta, at, round });

describe('placing streamed deltas', () => {
  it('appends a delta that continues the text', () => {
    expect(placeDelta(shown('Hello'), delta(' there', 5))?.text).toBe('Hello there');
  });

  it('adds only the new part of a delta heard in part already, and nothing for one heard whole', () => {
    expect(placeDelta(shown('Hello th'), delta(' there', 5))?.text).toBe('Hello there');
    expect(placeDelta(shown('Hello there'), delta(' there', 5))?.text).toBe('Hello there');
  });

  it('reports a gap (deltas missed) instead of gluing text on in the wrong place', () => {
    expect(placeDelta(shown('Hello'), delta('world', 11))).toBeNull();
  });

  it('starts a later round fresh and ignores a late delta of an earlier one', () => {
    expect(placeDelta(shown('Round one text', 0), delta('Two', 0, 1))).toEqual(shown('Two', 1));
    expect(placeDelta(shown('Two', 1), delta('late', 14, 0))).toEqual(shown('Two', 1));
  });

  it('appends as it comes when the host gives no place (an older host)', () => {
    expect(placeDelta(shown('Hello'), { responseId: 'r1', channel: 'text', delta: '!' })?.text).toBe('Hello!');
  });
});

describe('taking up a read of the turn', () => {
  const turn = (text: string, round = 0) => ({ turnId: 't', responseId: 'r1', text, reasoning: '', round });

  it('takes the stored text when it is ahead of what was streamed here', () => {
    expect(adoptStored(shown('Hel'), turn('Hello there')).text).toBe('Hello there');
  });

  it('keeps what was streamed here when the read is older than it', () => {
    expect(adoptStored(shown('Hello there'), turn('Hello')).text).toBe('Hello there');
  });

  it('follows the read into a later round, and starts from it with nothing shown', () => {
    expect(adoptStored(shown('Round one'), turn('', 1))).toEqual(shown('', 1));
    expect(adoptStored(null, turn('So far'))).toEqual(shown('So far'));
  });
});
