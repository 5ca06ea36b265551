import { describe, expect, it } from 'vitest';
import { conflictMarks } from './conflict-marks';

describe('conflict marks per task', () => {
  it('names the other task and the file on both tasks, real conflicts first', () => {
    const marks = conflictMarks([
      { tasks: ['a', 'c'], file: 'notes.md', overlapping: false, conflicts: false },
      { tasks: ['b', 'c'], file: 'shared.txt', overlapping: true, conflicts: true },
    ]);
    expect(marks.get('b')).toBe('Changes the same files as c (shared.txt, conflicts)');
    expect(marks.get('c')).toBe('Changes the same files as b (shared.txt, conflicts); a (notes.md)');
    expect(marks.get('a')).toBe('Changes the same files as c (notes.md)');
    expect(conflictMarks([]).size).toBe(0);
  });
});
