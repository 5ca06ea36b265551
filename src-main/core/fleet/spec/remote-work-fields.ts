// Task metadata about where work lives and how long a worker may stay silent:
// - `resume_from_partial`: a retry starts from the lost attempt's partial branch, not the base commit;
// - `lease_seconds`: how long the task's lease outlives its worker's last renewal before the task is
//   reclaimed (overrides the host's default, which is a setting);
// - `git_remote`: a git remote a remote agent fetches the base commit from, and pushes its result
//   branch to (the result still arrives in the run's workspace repository).

export const MIN_LEASE_SECONDS = 5;
export const MAX_LEASE_SECONDS = 86_400;

export function remoteWorkIssues(meta: Record<string, unknown>, at: string): string[] {
  const issues: string[] = [];
  if (meta.resume_from_partial !== undefined && typeof meta.resume_from_partial !== 'boolean') {
    issues.push(`${at}.resume_from_partial: expected true or false`);
  }
  const lease = meta.lease_seconds;
  if (lease !== undefined && (typeof lease !== 'number' || !Number.isInteger(lease) || lease < MIN_LEASE_SECONDS || lease > MAX_LEASE_SECONDS)) {
    issues.push(`${at}.lease_seconds: expected a whole number of seconds from ${MIN_LEASE_SECONDS} to ${MAX_LEASE_SECONDS}`);
  }
  const remote = meta.git_remote;
  if (remote !== undefined && (typeof remote !== 'string' || remote.trim() === '' || remote.startsWith('-') || /[\s\0]/.test(remote))) {
    issues.push(`${at}.git_remote: expected a git remote URL or path (no spaces, not starting with "-")`);
  }
  return issues;
}

/** The task's own lease length in ms, when its spec sets one (already validated). */
export function specLeaseMs(metadata: Record<string, unknown>): number | null {
  const s = metadata.lease_seconds;
  return typeof s === 'number' && Number.isInteger(s) && s >= MIN_LEASE_SECONDS && s <= MAX_LEASE_SECONDS ? s * 1000 : null;
}

export function specGitRemote(metadata: Record<string, unknown>): string | null {
  const r = metadata.git_remote;
  return typeof r === 'string' && r.trim() !== '' && !r.startsWith('-') ? r : null;
}
