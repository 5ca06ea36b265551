// `[USER@]HOST[:PORT]` as a person types it (`shoal workers add --ssh`, `shoal workers trust`).
import { UsageError } from '../io';

/** [USER@]HOST[:PORT] → the spec's ssh host; `what` names the argument in the error. */
export function parseSshTarget(text: string, what = '--ssh'): { host: string; port?: number; user?: string } {
  const m = /^(?:([^@\s]+)@)?(\[[^\]]+\]|[^:@\s]+)(?::(\d{1,5}))?$/.exec(text);
  if (!m) throw new UsageError(`${what}: "${text}" is not [USER@]HOST[:PORT]`);
  const port = m[3] ? Number(m[3]) : undefined;
  if (port !== undefined && (port < 1 || port > 65535)) throw new UsageError(`${what}: port ${port} is out of range`);
  return { host: m[2]!.replace(/^\[|\]$/g, ''), ...(port !== undefined ? { port } : {}), ...(m[1] ? { user: m[1] } : {}) };
}
