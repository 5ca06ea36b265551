// The exact command a person runs on the agent's machine, as `shoal agent-token` prints it and the
// Workers view shows it: each word quoted only where a POSIX shell would read it differently.

import { shellQuote } from '../hosts/shell-quote';

export function joinCommand(url: string, token: string, name: string | null): string {
  return ['shoal', 'agent', '--join', url, '--token', token, ...(name ? ['--name', name] : [])].map(shellQuote).join(' ');
}

/** Whether `url` is an address `shoal agent --join` takes: ws:// or wss://, a host and port Node can
 *  parse (port 99999 or a space in the host is not), and no path (the agent adds its own). */
export function isJoinUrl(url: string): boolean {
  return /^wss?:\/\/[^/]+\/?$/.test(url) && URL.canParse(url);
}
