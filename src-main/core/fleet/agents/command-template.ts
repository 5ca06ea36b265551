// A custom agent's command template (`aider --message {instructions}`), split into argv words once
// the placeholders are known; checked when the spec is read so a template that cannot be split is a
// spec error, not an attempt that never starts.

/** Splits a command template into words the way a POSIX shell would for quotes and backslashes
 *  (no expansions): `aider --message "{instructions}"` → ["aider", "--message", "{instructions}"]. */
export function splitTemplate(template: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < template.length; i++) {
    const ch = template[i]!;
    if (quote) {
      if (ch === quote) quote = null;
      else if (ch === '\\' && quote === '"' && i + 1 < template.length) cur += template[++i];
      else cur += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
    } else if (ch === '\\' && i + 1 < template.length) {
      cur += template[++i];
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += ch;
      inWord = true;
    }
  }
  if (quote) throw new Error(`unterminated ${quote} quote in command template`);
  if (inWord) words.push(cur);
  return words;
}

/** What is wrong with a template, or null when it splits into a command. */
export function templateProblem(template: string): string | null {
  try {
    const words = splitTemplate(template);
    return words.length === 0 || words[0] === '' ? 'has no command word' : null;
  } catch (e) {
    return (e as Error).message;
  }
}
