// Built-in rules, the last layer: what a fresh install trusts, what it always asks about, and the
// few commands it never runs. The user's rules come first and can override them; a run's rules come
// first too but only ever tighten (evaluateForRun), and an "always allow" answer never outranks a
// deny here.
import type { ApprovalMode, PolicyRule, TimeoutDecision } from '../../../src-shared/contract/methods/policy';

/** Ordinary work runs without asking; the defaults below still ask where it matters. */
export const DEFAULT_APPROVAL_MODE: ApprovalMode = 'on-request';
/** How long an agent waits for a person before the timeout decision applies. */
export const DEFAULT_APPROVAL_TIMEOUT_SECONDS = 15 * 60;
/** Nobody answering is not consent: unless the person chose otherwise, a request that times out is denied. */
export const DEFAULT_TIMEOUT_DECISION: TimeoutDecision = 'deny';

const allowShell = (prefix: string): PolicyRule => ({ id: `default-allow-${prefix.replace(/\W+/g, '-')}`, tool: 'exec_shell', prefix, action: 'allow', note: 'Read-only.' });

export const DEFAULT_RULES: readonly PolicyRule[] = [
  { id: 'default-deny-rm-root', tool: 'exec_shell', prefix: 'rm -rf /', action: 'deny', note: 'Deletes the whole file system.' },
  { id: 'default-deny-rm-home', tool: 'exec_shell', prefix: 'rm -rf ~', action: 'deny', note: 'Deletes the home folder.' },
  { id: 'default-ask-git-push', tool: 'exec_shell', prefix: 'git push', action: 'ask', note: 'Publishes commits beyond this computer.' },
  { id: 'default-ask-sudo', tool: 'exec_shell', prefix: 'sudo', action: 'ask', note: 'Runs as another user.' },
  { id: 'default-ask-npm-publish', tool: 'exec_shell', prefix: 'npm publish', action: 'ask', note: 'Publishes a package.' },
  { id: 'default-allow-read-file', tool: 'read_file', action: 'allow', note: 'Reads inside the workdir only.' },
  ...['ls', 'cat', 'head', 'tail', 'wc', 'pwd', 'echo', 'true', 'grep', 'rg', 'git status', 'git diff', 'git log', 'git show', 'git rev-parse'].map(allowShell),
];
