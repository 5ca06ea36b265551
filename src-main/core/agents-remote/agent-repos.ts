// The agent's copies of the runs' repositories: one per run, made from the base bundle the control
// plane serves (or fetched from a git remote the task or agent names, when it has the base commit),
// so the local driver makes its worktree and result branch exactly as on the control plane. The
// result goes back as a bundle of the branch's commits on top of the base, and is also pushed to
// the named remote.
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { promisify } from 'node:util';
import { MAX_CHUNKED_FILE_BYTES, MAX_WORKER_FRAME_BYTES, type InlineFile } from '../../../src-shared/protocol/worker-protocol';
import { refSlug } from '../fleet/ids';

const exec = promisify(execFile);

async function git(cwd: string, args: string[]): Promise<string> {
  const { stdout } = await exec('git', args, { cwd, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' } });
  return stdout;
}

export class AgentRepos {
  private readonly ready = new Map<string, Promise<string>>();

  constructor(private readonly root: string, private readonly httpBase: string, private readonly auth: () => string, private readonly ca: Buffer | undefined,
    private readonly log: (message: string) => void = () => {}) {}

  /** The run's repository at its base commit (downloaded once per run). */
  prepare(runId: string, base: { commit: string; bundle_path: string }, remote: string | null = null): Promise<string> {
    const key = `${runId}\u0000${base.commit}`;
    let p = this.ready.get(key);
    if (!p) {
      p = this.make(runId, base, remote);
      this.ready.set(key, p);
      p.catch(() => this.ready.delete(key));
    }
    return p;
  }

  private async make(runId: string, base: { commit: string; bundle_path: string }, remote: string | null): Promise<string> {
    const dir = path.join(this.root, refSlug(runId));
    fs.mkdirSync(dir, { recursive: true });
    if (!fs.existsSync(path.join(dir, '.git'))) await git(dir, ['init', '-q']);
    const hasBase = () => git(dir, ['rev-parse', '--verify', '-q', `${base.commit}^{commit}`]).then(() => true, () => false);
    let have = await hasBase();
    if (!have && remote) {
      // The remote's branches, then the commit itself (servers that allow fetching any commit).
      await git(dir, ['fetch', '-q', '--no-write-fetch-head', '--', remote, '+refs/heads/*:refs/remotes/shoal-remote/*']).catch(() => '');
      if (!(await hasBase())) await git(dir, ['fetch', '-q', '--no-write-fetch-head', '--', remote, base.commit]).catch(() => '');
      have = await hasBase();
      this.log(have ? `run ${runId}: base commit ${base.commit.slice(0, 12)} fetched from ${remote}` : `run ${runId}: ${remote} does not have base commit ${base.commit.slice(0, 12)}; using the control plane's bundle`);
    }
    if (!have) {
      const file = path.join(dir, '.git', 'shoal-base.bundle');
      await this.download(base.bundle_path, file);
      await git(dir, ['fetch', '-q', file, '+HEAD:refs/heads/shoal-base']);
      fs.rmSync(file, { force: true });
    } else {
      await git(dir, ['update-ref', 'refs/heads/shoal-base', base.commit]);
    }
    await git(dir, ['checkout', '-q', '-f', 'shoal-base']);
    const head = (await git(dir, ['rev-parse', 'HEAD'])).trim();
    if (head !== base.commit) throw new Error(`base bundle of run ${runId} is at ${head}, expected ${base.commit}`);
    return dir;
  }

  private download(urlPath: string, file: string): Promise<void> {
    const url = new URL(urlPath, this.httpBase);
    const get = url.protocol === 'https:' ? https.get : http.get;
    return new Promise((resolve, reject) => {
      const req = get(url, { headers: { authorization: `Bearer ${this.auth()}` }, ...(this.ca ? { ca: this.ca } : {}) }, (res) => {
        if (res.statusCode !== 200) {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => reject(new Error(`base bundle: HTTP ${res.statusCode}: ${body.trim()}`)));
          return;
        }
        const out = fs.createWriteStream(file);
        res.pipe(out);
        out.on('finish', () => resolve());
        out.on('error', reject);
      });
      req.on('error', reject);
    });
  }

  /** Brings an earlier attempt's partial branch (sent with the lease) into the run's repository,
   *  where the attempt's worktree is made from it. */
  async addPartial(repo: string, partial: { branch: string; commit: string; bundle: InlineFile }): Promise<void> {
    const data = Buffer.from(partial.bundle.data_b64, 'base64');
    if (crypto.createHash('sha256').update(data).digest('hex') !== partial.bundle.sha256) throw new Error(`partial bundle of ${partial.branch}: checksum mismatch`);
    const file = path.join(repo, '.git', `partial-${crypto.randomBytes(4).toString('hex')}.bundle`);
    try {
      fs.writeFileSync(file, data);
      const ref = `refs/heads/${partial.branch}`;
      await git(repo, ['fetch', '-q', '--no-write-fetch-head', file, `+${ref}:${ref}`]);
    } finally {
      fs.rmSync(file, { force: true });
    }
  }

  /** Publishes a result branch to the named remote too (the control plane gets it by bundle). */
  async push(repo: string, remote: string, branch: string): Promise<void> {
    const ref = `refs/heads/${branch}`;
    if (!(await git(repo, ['rev-parse', '--verify', '-q', ref]).then(() => true, () => false))) return;
    await git(repo, ['push', '-q', '--', remote, `+${ref}:${ref}`]);
    this.log(`pushed ${branch} to ${remote}`);
  }

  /** The branch's new commits as a bundle (null when it has none, or is too large for a frame). */
  /** `large`: the bundle when it is too large for one frame (bundle is then null); it goes in pieces. */
  async resultOf(repo: string, branch: string, baseCommit: string): Promise<{ branch: string; base_commit: string; bundle: InlineFile | null; large?: Buffer } | null> {
    const head = (await git(repo, ['rev-parse', '--verify', '-q', `refs/heads/${branch}`]).catch(() => '')).trim();
    if (!head) return null;
    if (head === baseCommit) return { branch, base_commit: baseCommit, bundle: null };
    const file = path.join(repo, '.git', `result-${crypto.randomBytes(4).toString('hex')}.bundle`);
    try {
      await git(repo, ['bundle', 'create', '-q', file, `refs/heads/${branch}`, `^${baseCommit}`]);
      const data = fs.readFileSync(file);
      if (data.length > MAX_CHUNKED_FILE_BYTES) return null;
      if (data.length > MAX_WORKER_FRAME_BYTES * 0.7) return { branch, base_commit: baseCommit, bundle: null, large: data };
      return { branch, base_commit: baseCommit, bundle: { name: 'result.bundle', sha256: crypto.createHash('sha256').update(data).digest('hex'), data_b64: data.toString('base64') } };
    } finally {
      fs.rmSync(file, { force: true });
    }
  }
}
