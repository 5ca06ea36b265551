// A spec's docker worker must name an image reference: a malformed one is a problem of the field,
// found before anything is run (it used to pass validation and reach the daemon's API path).
import { describe, expect, it } from 'vitest';
import { loadSpec } from './load-spec';
import { dockerImageProblem } from '../../../../src-shared/protocol/docker-image';
import { hostsMethods } from '../../../../src-shared/contract/methods/hosts';

const spec = (image: string) => JSON.stringify({
  name: 'r',
  worker_specs: [{ id: 'c', name: 'c', host: { kind: 'docker', image } }],
  task_specs: [{ id: 't', name: 't', instructions: 'true' }],
});

describe('docker image references', () => {
  it('a spec names the field of a malformed image', () => {
    for (const image of ['', '/x', 'a//b', 'a b', 'x?y', 'Upper/Case']) {
      const r = loadSpec(spec(image), { filename: 'r.json', defaultCapabilities: [] });
      expect(r.ok, image).toBe(false);
      if (r.ok) continue;
      expect(r.issues.find((i) => i.startsWith('worker_specs[0].host.image: ')), image).toBeTruthy();
    }
    for (const image of ['localhost/shoal-worker:latest', 'debian', 'registry.example:5000/team/img:v1.2', `ghcr.io/a/b@sha256:${'a'.repeat(64)}`]) {
      expect(loadSpec(spec(image), { filename: 'r.json', defaultCapabilities: [] }).ok, image).toBe(true);
    }
  });

  it('the Add worker input refuses one, naming the field', () => {
    const input = hostsMethods['workers.test'].input;
    const r = input.safeParse({ host: { kind: 'docker', image: 'a//b' } });
    expect(r.success).toBe(false);
    // The field is named by the issue's path (and said once: the message does not repeat it).
    expect(r.error?.issues).toMatchObject([{ path: ['host', 'image'], message: expect.stringMatching(/^"a\/\/b" is not an image reference/) }]);
    expect(dockerImageProblem('Upper/Case')).toContain('must be lowercase');
  });
});
