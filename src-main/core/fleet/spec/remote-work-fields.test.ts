// The task metadata and the setting that shape remote work, checked through the contract as the app
// and `shoal serve` call it: resume_from_partial, lease_seconds and git_remote are validated with
// their field named; a task's lease_seconds sets its lease deadline; the host-wide lease length is
// a setting with bounds.
import { describe, expect, it } from 'vitest';
import type { ShoalCore } from '../../shoal';
import { launch } from '../../test-support/temp-core';
import { useCores } from '../../test-support/use-cores';

const makeCore = useCores();

async function validate(core: ShoalCore, metadata: Record<string, unknown>): Promise<string[]> {
  const spec = { name: 'x', task_specs: [{ id: 't', name: 't', instructions: 'true', metadata }] };
  const envelope = await core.call('specs.validate', { text: JSON.stringify(spec), filename: 'spec.json', workspace: null }, { transport: 'test' });
  if (!envelope.ok) throw new Error(envelope.error.message);
  return (envelope.value as { issues?: string[] }).issues ?? [];
}

describe('remote work fields', () => {
  it('names the field and what is wrong with it', async () => {
    const core = makeCore({}, { start: false });
    expect(await validate(core, { resume_from_partial: 'yes' })).toEqual(['task_specs[0].metadata.resume_from_partial: expected true or false']);
    expect(await validate(core, { lease_seconds: 2 })).toEqual(['task_specs[0].metadata.lease_seconds: expected a whole number of seconds from 5 to 86400']);
    expect(await validate(core, { lease_seconds: '60' })).toHaveLength(1);
    expect(await validate(core, { git_remote: '--upload-pack=evil' })).toEqual(['task_specs[0].metadata.git_remote: expected a git remote URL or path (no spaces, not starting with "-")']);
    expect(await validate(core, { resume_from_partial: true, lease_seconds: 90, git_remote: 'ssh://git@example.com/repo.git' })).toEqual([]);
  });

  it('a task\'s lease_seconds sets its lease deadline and renewals; others get the host\'s default', () => {
    const core = makeCore({}, { start: false });
    const runId = launch(core, { name: 'leases', task_specs: [
      { id: 'long', name: 'long', instructions: 'true', metadata: { lease_seconds: 90, priority: 1 } },
      { id: 'plain', name: 'plain', instructions: 'true' },
    ] });
    const now = Date.now();
    const leases = core.engine.fleet.leaseMany({ id: 'w', capabilities: new Set(), pool: null }, now, 10_000, 2);
    expect(leases.map((l) => [l.taskId, l.deadline - now])).toEqual([['long', 90_000], ['plain', 10_000]]);
    core.engine.fleet.renew(leases[0]!, now + 1_000, 10_000);
    expect(leases[0]!.deadline).toBe(now + 91_000);
    expect(leases[0]!.runId).toBe(runId);
  });
});
