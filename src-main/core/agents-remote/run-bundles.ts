// The base commit a remote agent starts from: the run's workspace repository's HEAD, served as a git
// bundle on the agent listener (made once per run, so every attempt of the run starts from the same
// commit and the agents need no access to the repository itself).
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import crypto from 'node:crypto';
import { WORKER_PROTOCOL_PATH, type InlineFile } from '../../../src-shared/protocol/worker-protocol';
import { latestPartial } from '../fleet/partial-work';
import { inlineFile } from './remote-attempt-fleet';
import { refSlug } from '../fleet/ids';
import { isGitRepo } from '../fleet/workspace';
import type { Store } from '../store/open';

const exec = promisify(execFile);

export class RunBundles {
  private readonly made = new Map<string, Promise<{ commit: string; file: string } | null>>();

  constructor(private readonly store: Store, private readonly dataDir: string) {}

  workspaceOf(runId: string): string | null {
    return this.store.db.prepare<[string], { workspace: string | null }>('SELECT workspace FROM runs WHERE id = ?').get(runId)?.workspace ?? null;
  }

  /** The base commit and where to download it, or null when the workspace is not a git repository. */
  async baseFor(runId: string): Promise<{ commit: string; bundle_path: string } | null> {
    const made = await this.ensure(runId);
    return made ? { commit: made.commit, bundle_path: `${WORKER_PROTOCOL_PATH}/runs/${encodeURIComponent(runId)}/base.bundle` } : null;
  }

  /** The newest partial branch of an earlier attempt of the task, as an inline bundle on top of the
   *  base commit (null when there is none, or it is too large to ride in the leases frame). */
  async partialFor(runId: string, taskId: string, attempt: number, baseCommit: string): Promise<{ branch: string; commit: string; bundle: InlineFile } | null> {
    const workspace = this.workspaceOf(runId);
    const partial = workspace ? await latestPartial(workspace, runId, taskId, attempt) : null;
    if (!workspace || !partial) return null;
    const file = path.join(this.dataDir, 'agent-bundles', `partial-${crypto.randomBytes(6).toString('hex')}.bundle`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    try {
      await exec('git', ['bundle', 'create', '-q', file, `refs/heads/${partial.branch}`, `^${baseCommit}`], { cwd: workspace, env: { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' } });
      const bundle = inlineFile(file, 'partial.bundle');
      if (!bundle) throw new Error(`partial work on ${partial.branch} is too large to send with the lease`);
      return { ...partial, bundle };
    } finally {
      fs.rmSync(file, { force: true });
    }
  }

  /** The bundle file to serve, once made. */
  async fileFor(runId: string): Promise<string | null> {
    return (await this.ensure(runId))?.file ?? null;
  }

  private ensure(runId: string): Promise<{ commit: string; file: string } | null> {
    let p = this.made.get(runId);
    if (!p) {
      p = this.make(runId);
      this.made.set(runId, p);
      p.catch(() => this.made.delete(runId));
    }
    return p;
  }

  private async make(runId: string): Promise<{ commit: string; file: string } | null> {
    const workspace = this.workspaceOf(runId);
    if (!workspace || !(await isGitRepo(workspace))) return null;
    const dir = path.join(this.dataDir, 'agent-bundles');
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${refSlug(runId)}.bundle`);
    const env = { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' };
    if (!fs.existsSync(file)) {
      const tmp = `${file}.${process.pid}.tmp`;
      await exec('git', ['bundle', 'create', '-q', tmp, 'HEAD'], { cwd: workspace, env });
      fs.renameSync(tmp, file);
    }
    // The bundle's own HEAD, not the repository's current one: a bundle made before a restart stays the base.
    const heads = (await exec('git', ['bundle', 'list-heads', file], { cwd: workspace, env })).stdout;
    const commit = heads.split('\n').find((l) => l.endsWith(' HEAD'))?.split(' ')[0];
    if (!commit) throw new Error(`bundle ${file} has no HEAD`);
    return { commit, file };
  }
}
