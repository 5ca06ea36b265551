// A spec's own workers: a number that cannot mean what it says is a problem by field path.
import { describe, expect, it } from 'vitest';
import { loadSpec } from './load-spec';

describe('worker_specs', () => {
  it('refuses max_concurrent_tasks 0 (it ran one task at a time all the same) and takes 1 and up', () => {
    const spec = (n: number) => JSON.stringify({
      name: 'w', worker_specs: [{ id: 'w', name: 'W', host: { kind: 'local' }, max_concurrent_tasks: n }], task_specs: [{ id: 'a', name: 'A', instructions: 'echo' }],
    });
    expect(loadSpec(spec(0), { filename: 'w.json', defaultCapabilities: [] })).toEqual({
      ok: false, issues: ['worker_specs[0].max_concurrent_tasks: must be at least 1 (leave it out for as many as --max-workers allows)'],
    });
    expect(loadSpec(spec(1), { filename: 'w.json', defaultCapabilities: [] }).ok).toBe(true);
  });

  it('refuses an SSH host that is empty or has spaces, port 0, an empty image and an empty worker id', () => {
    const r = loadSpec(JSON.stringify({
      name: 'w',
      worker_specs: [
        { id: 's', name: 'S', host: { kind: 'ssh', host: '', port: 0 } },
        { id: 't', name: 'T', host: { kind: 'ssh', host: 'my box' } },
        { id: 'd', name: 'D', host: { kind: 'docker', image: ' ' } },
        { id: '', name: 'L', host: { kind: 'local' } },
      ],
      task_specs: [{ id: 'a', name: 'A', instructions: 'echo' }],
    }), { filename: 'w.json', defaultCapabilities: [] });
    expect(r).toEqual({ ok: false, issues: [
      "worker_specs[0].host.host: empty; give the SSH host's name or address",
      'worker_specs[0].host.port: 0 is not a port; give 1-65535 (or leave it out for 22)',
      'worker_specs[1].host.host: "my box" has spaces; give the SSH host\'s name or address',
      'worker_specs[2].host.image: required (an image reference, e.g. localhost/shoal-worker:latest)',
      "worker_specs[3].id: empty; give the worker an id its tasks' events can name",
    ] });
  });

  it('says a port past 65535 is not a port as it says of 0, not that 0 to 65535 would do', () => {
    const r = loadSpec(JSON.stringify({
      name: 'w', worker_specs: [{ id: 's', name: 'S', host: { kind: 'ssh', host: 'box', port: 99999 } }], task_specs: [{ id: 'a', name: 'A', instructions: 'echo' }],
    }), { filename: 'w.json', defaultCapabilities: [] });
    expect(r).toEqual({ ok: false, issues: ['worker_specs[0].host.port: 99999 is not a port; give 1-65535 (or leave it out for 22)'] });
  });
});
