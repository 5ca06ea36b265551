// A GitHub API on 127.0.0.1 that the real `gh` CLI talks to, so `land --pr` is tested end to end
// without stubbing gh. gh has a development host, `github.localhost`, whose API it reaches over plain
// http at `api.github.localhost`; pointing HTTP_PROXY at this server delivers those requests here
// (nothing leaves the machine). It answers the GraphQL calls `gh auth status` and `gh pr create`
// make: the repository, the open pull requests of a branch (the ones it created), and the creation,
// which it records.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CreatedPr { number: number; url: string; repositoryId: string; baseRefName: string; headRefName: string; title: string; body: string }

export interface FakeGitHub {
  /** The environment gh needs to use this server as `github.localhost`, logged in with a token or not. */
  env(configDir: string, loggedIn?: boolean): Record<string, string>;
  /** The remote URL of the one repository it serves. */
  readonly remoteUrl: string;
  readonly created: CreatedPr[];
  /** While true, a request to create a pull request is taken and never answered (a GitHub, or a
   *  proxy, that stopped responding). */
  stall: boolean;
  close(): Promise<void>;
}

const HOST = 'github.localhost';

export async function startFakeGitHub(owner = 'acme', name = 'widgets'): Promise<FakeGitHub> {
  const created: CreatedPr[] = [];
  const repository = {
    id: 'R_widgets', name, owner: { login: owner }, hasIssuesEnabled: true, description: '', hasWikiEnabled: false, viewerPermission: 'ADMIN',
    defaultBranchRef: { name: 'main' }, parent: null, mergeCommitAllowed: true, rebaseMergeAllowed: true, squashMergeAllowed: true,
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const reply = (data: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(200, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(data));
      };
      if (req.headers.authorization !== 'token shoal-test-token') {
        res.writeHead(401, { 'content-type': 'application/json' });
        return void res.end(JSON.stringify({ message: 'Bad credentials' }));
      }
      // `gh auth status` reads the token's scopes from the REST root.
      if (req.method === 'GET') return reply({}, { 'x-oauth-scopes': 'repo, read:org' });
      const { query = '', variables = {} } = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { query?: string; variables?: Record<string, unknown> };
      if (query.includes('createPullRequest') && fake.stall) return;
      if (query.includes('createPullRequest')) {
        const input = variables.input as Omit<CreatedPr, 'number' | 'url'>;
        const number = created.length + 1;
        const pr = { ...input, number, url: `https://${HOST}/${owner}/${name}/pull/${number}` };
        created.push(pr);
        return reply({ data: { createPullRequest: { pullRequest: { id: `PR_${number}`, url: pr.url } } } });
      }
      if (/\bviewer\s*\{/.test(query)) return reply({ data: { viewer: { login: 'shoal-bot' } } });
      if (query.includes('repository(')) {
        // Like GitHub: only the repository it has; any other is not found.
        // gh names the repository `name` in some queries and `repo` in others.
        const asked = `${String(variables.owner)}/${String(variables.name ?? variables.repo)}`;
        if (variables.owner !== undefined && asked !== `${owner}/${name}`) {
          return reply({ data: { repository: null }, errors: [{ type: 'NOT_FOUND', path: ['repository'], message: `Could not resolve to a Repository with the name '${asked}'.` }] });
        }
        // The open pull requests gh asks about before it creates one (by head branch).
        const open = created.filter((p) => variables.headRefName === undefined || p.headRefName === variables.headRefName)
          .map((p) => ({ ...p, id: `PR_${p.number}`, state: 'OPEN', isCrossRepository: false, headRepositoryOwner: { login: owner } }));
        return reply({ data: { repository: { ...repository, pullRequests: { totalCount: open.length, nodes: open } } } });
      }
      reply({ errors: [{ message: `the fake GitHub does not answer: ${query.slice(0, 80)}` }] });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxy = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const fake: FakeGitHub = {
    remoteUrl: `https://${HOST}/${owner}/${name}.git`,
    created,
    stall: false,
    env: (configDir, loggedIn = true) => ({
      GH_CONFIG_DIR: configDir, HTTP_PROXY: proxy, http_proxy: proxy, NO_PROXY: '', no_proxy: '',
      // GH_HOST lets gh pick the github.localhost remote; a person who never logged in sets neither.
      ...(loggedIn ? { GH_HOST: HOST, GH_TOKEN: 'shoal-test-token' } : {}),
    }),
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections(); // a stalled request is never answered
    }),
  };
  return fake;
}
