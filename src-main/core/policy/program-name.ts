// The program a command word names: `/usr/bin/git` → `git`.
export function programName(word: string): string {
  const slash = word.lastIndexOf('/');
  return slash >= 0 ? word.slice(slash + 1) : word;
}
