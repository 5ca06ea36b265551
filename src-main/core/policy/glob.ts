// Globs for rule paths and tool names, by picomatch: `*` within a segment, `**` across segments, `?`.
// Tool names have no segments (`mcp__*` must match `mcp__gh__create_pr`), so there `/` is ordinary.
import picomatch from 'picomatch';

const cache = new Map<string, (subject: string) => boolean>();

export function globMatches(pattern: string, subject: string, opts: { segmentSeparator?: '/' | null } = {}): boolean {
  const segmented = opts.segmentSeparator !== null;
  const key = `${segmented ? '/' : ''}\u0000${pattern}`;
  let match = cache.get(key);
  if (!match) {
    // Without segments every `*` may cross `/`: picomatch's `**` does exactly that.
    const source = segmented ? pattern : pattern.replace(/\*+/g, '**');
    match = picomatch(source, { dot: true, nobrace: true, noextglob: true, bash: !segmented });
    cache.set(key, match);
  }
  return match(subject);
}
