// Add worker's input refused in main, through the contract: each problem names its field once
// (`name: 1-64 letters…`, not `name: name: 1-64 letters…`; an empty image once, not twice), as the dialog shows it to a person.
import { describe, expect, it } from 'vitest';
import { useCores } from '../../test-support/use-cores';

const makeCore = useCores();

async function issues(method: 'workers.add' | 'workers.test', input: unknown): Promise<string[]> {
  const envelope = await makeCore().call(method, input, { transport: 'test' });
  if (envelope.ok) throw new Error(`${method} accepted ${JSON.stringify(input)}`);
  return envelope.error.issues ?? [envelope.error.message];
}

describe('workers.add / workers.test input', () => {
  it('names each refused field once', async () => {
    expect(await issues('workers.add', { name: 'my box', host: { kind: 'ssh', host: '127.0.0.1' } }))
      .toEqual(['name: 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit']);
    expect(await issues('workers.test', { host: { kind: 'ssh', host: '' } })).toEqual(['host.host: required']);
    expect(await issues('workers.test', { host: { kind: 'docker', image: '' } })).toEqual(['host.image: required (an image reference, e.g. localhost/shoal-worker:latest)']);
    const [bad] = await issues('workers.test', { host: { kind: 'docker', image: 'UPPER/Bad Image' } });
    expect(bad).toMatch(/^host\.image: "UPPER\/Bad Image" is not an image reference/);
  });

  it('refuses a capability no task could require, as `shoal workers add --capabilities` does', async () => {
    const host = { kind: 'ssh', host: '127.0.0.1' };
    expect(await issues('workers.add', { name: 'box', host, capabilities: ['gpu', 'gpu=2'] }))
      .toEqual(['capabilities[1]: each 1-64 letters, digits, ".", "_", ":" or "-", starting with a letter or digit']);
    expect(await issues('workers.add', { name: 'box', host, capabilities: ['has space'] }))
      .toEqual(['capabilities[0]: each 1-64 letters, digits, ".", "_", ":" or "-", starting with a letter or digit']);
  });
});
