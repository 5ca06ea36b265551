// The exact command a person runs on the agent's machine, as `shoal agent-token` prints it and the
// Workers view shows it: each word quoted only where a POSIX shell would read it differently.

/** A word as a POSIX shell reads it back: left bare when it is plainly safe, else single-quoted. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@,+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export function joinCommand(url: string, token: string, name: string | null): string {
  return ['shoal', 'agent', '--join', url, '--token', token, ...(name ? ['--name', name] : [])].map(shellQuote).join(' ');
}
