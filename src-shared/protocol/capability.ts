// A capability a worker offers and a task requires (`metadata.requires`): one name, matched exactly.
// The same rule for every way a person names one (`shoal workers add --capabilities`, a remote
// agent's join token), so a worker never offers what no task could spell, such as "gpu=2" or
// "has space" (not a key=value or a phrase: a name).
export const CAPABILITY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;
export const CAPABILITY_RULE = '1-64 letters, digits, ".", "_", ":" or "-", starting with a letter or digit';
export const CAPABILITIES_MAX = 64;

/** What is wrong with a list of capabilities (the first problem), or null. */
export function capabilitiesProblem(capabilities: readonly string[]): string | null {
  if (capabilities.length > CAPABILITIES_MAX) return `at most ${CAPABILITIES_MAX}, got ${capabilities.length}`;
  const bad = capabilities.find((c) => !CAPABILITY_PATTERN.test(c));
  return bad === undefined ? null : `"${bad}" must be ${CAPABILITY_RULE}`;
}
