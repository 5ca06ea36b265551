// Minimal globs for rule paths and tool names: `*` (within a segment), `**` (across segments), `?`.
const cache = new Map<string, RegExp>();

export function globMatches(pattern: string, subject: string, opts: { segmentSeparator?: '/' | null } = {}): boolean {
  const sep = opts.segmentSeparator === undefined ? '/' : opts.segmentSeparator;
  const key = `${sep ?? ''}\u0000${pattern}`;
  let re = cache.get(key);
  if (!re) {
    let src = '';
    for (let i = 0; i < pattern.length; i++) {
      const ch = pattern[i]!;
      if (ch === '*' && pattern[i + 1] === '*') {
        // `dir/**` matches the folder's contents; `**/x` matches x at any depth.
        const slash = pattern[i + 2] === '/';
        src += slash ? '(?:.*/)?' : '.*';
        i += slash ? 2 : 1;
      } else if (ch === '*') src += sep ? '[^/]*' : '.*';
      else if (ch === '?') src += sep ? '[^/]' : '.';
      else src += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
    re = new RegExp(`^${src}$`);
    cache.set(key, re);
  }
  return re.test(subject);
}
