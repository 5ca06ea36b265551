// Quoting for POSIX shell command lines that drivers and probes build from words.

/** Quotes one word for a POSIX shell (remote command lines are built from argv). */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:=@%,+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
