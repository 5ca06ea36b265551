// Guards the query-family wiring: an invalidation nobody reads is dead code, a read in a family no
// mutation or store change ever names would never refresh.
import { describe, expect, it } from 'vitest';
import { QUERY_FAMILIES, type QueryFamily } from './define';
import { queryFamilyOf } from './families';
import { methods } from './methods';

const names = Object.keys(methods) as Array<keyof typeof methods>;
const read = new Set<QueryFamily>(names.map((m) => queryFamilyOf(m)));

describe('query families', () => {
  it('every method reads a declared family', () => {
    for (const m of names) expect(QUERY_FAMILIES, m).toContain(queryFamilyOf(m));
  });

  it('every declared family is read by at least one method', () => {
    expect(QUERY_FAMILIES.filter((f) => !read.has(f))).toEqual([]);
  });

  it('every family a method invalidates is one some view reads', () => {
    for (const m of names) for (const f of methods[m].invalidates) expect(read.has(f), `${m} invalidates ${f}`).toBe(true);
  });
});
