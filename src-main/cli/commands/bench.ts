// `shoal bench [--json] [--quick] [--only scheduler|hosts]`: the fleet's speed on this machine
// (`npm run bench`). Targets on a 2-core machine: ≥ 20,000 tasks/s scheduled durably, ≥ 150,000
// events/s, spawn p99 ≤ 20 ms, and a scheduler three times as fast as plainjob (the hosts issue),
// each reference measured in the same run.
import { JSON_OPTION, parseCommand, type CommandDoc } from '../args';
import os from 'node:os';
import { eventsPerSecond, median, plainjobTasksPerSecond, schedulerTasksPerSecond, spawnLatency, unbatchedTasksPerSecond } from '../bench/fleet-bench';
import { sqlFloorTasksPerSecond } from '../bench/sql-floor-bench';
import { agentEventsPerSecond } from '../bench/agent-events-bench';
import { localRoundTripMs, remoteRoundTripMs } from '../bench/remote-bench';
import { dockerStartBench, sshExecBench } from '../bench/hosts-bench';
import { dockerSshStartBench } from '../bench/docker-ssh-bench';
import { landingVsGitMerge } from '../bench/landing-bench';
import { UsageError, type CliIo } from '../io';

export const doc: CommandDoc = {
  usage: 'bench [options]',
  maxArgs: 0,
  summary: "The fleet's speed on this machine, as ratios against references measured in the same run.",
  options: {
    json: JSON_OPTION,
    quick: { type: 'boolean', help: 'smaller workloads, one round (a smoke check, not a measurement)' },
    only: { type: 'string', value: 'scheduler|hosts', help: 'measure one part alone, as in the full bench: the scheduler against plainjob, or the hosts (ssh, docker, docker over ssh://) against their references' },
  },
};

export async function run(args: string[], io: CliIo): Promise<number> {
  const { flags } = parseCommand(args, doc);
  const quick = flags.get('quick') === true;
  const only = flags.get('only');
  if (only !== undefined && only !== 'scheduler' && only !== 'hosts') throw new UsageError(`--only: unknown part "${String(only)}"; the parts that can be run alone are "scheduler" and "hosts"`);
  const n = quick ? 2_000 : 20_000;
  const rounds = quick ? 1 : 5;
  const log = (m: string) => !flags.get('json') && io.stderr.write(m + '\n');
  const machine = { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? 'unknown', node: process.version };
  const write = (result: object) => io.stdout.write(JSON.stringify(result, null, flags.get('json') ? undefined : 2) + '\n');
  if (only === 'hosts') {
    write({ hosts: await hostsBench(quick, log), targets: HOST_TARGETS, machine });
    return 0;
  }
  // Rounds interleave the systems so a burst of load on a shared machine hits both alike.
  const sched: number[] = [];
  const unbat: number[] = [];
  const pj: number[] = [];
  const floor: number[] = [];
  const ev: number[] = [];
  const slots = 32;
  // Not measured: the first run of any code pays for compiling it (JIT, prepared statements).
  await schedulerTasksPerSecond(quick ? 500 : 2_000, 1, slots);
  await sqlFloorTasksPerSecond(quick ? 500 : 2_000, slots);
  const schedulerOnly = only === 'scheduler';
  // With --only scheduler: the same interleaved rounds, without the parts measured beside them.
  for (let r = 0; r < rounds; r++) {
    log(`round ${r + 1}/${rounds}: scheduler, plainjob, SQL floor${schedulerOnly ? '' : ', events'}…`);
    sched.push(await schedulerTasksPerSecond(n, 1, slots));
    pj.push(plainjobTasksPerSecond(n, 1));
    floor.push(await sqlFloorTasksPerSecond(n, slots));
    if (schedulerOnly) continue;
    unbat.push(unbatchedTasksPerSecond(Math.min(n, 5_000), 1));
    ev.push(eventsPerSecond(quick ? 50_000 : 300_000, 1000, 1));
  }
  const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
  // What the records alone allow on this machine (sql-floor-bench.ts), beside what Shoal does.
  const floorFigures = {
    sql_floor_tasks_per_s: Math.round(median(floor)),
    sql_floor_vs_plainjob: ratio(median(floor), median(pj)),
    scheduler_vs_sql_floor: ratio(median(sched), median(floor)),
  };
  if (schedulerOnly) {
    const result = {
      scheduler_tasks_per_s: Math.round(median(sched)),
      plainjob_tasks_per_s: Math.round(median(pj)),
      scheduler_vs_plainjob: ratio(median(sched), median(pj)),
      ...floorFigures,
      scheduler_rounds_tasks_per_s: sched.map(Math.round),
      plainjob_rounds_tasks_per_s: pj.map(Math.round),
      sql_floor_rounds_tasks_per_s: floor.map(Math.round),
      scheduler_slots: slots,
      tasks: n,
      rounds,
      machine,
    };
    write(result);
    return 0;
  }
  const scheduler = median(sched);
  const plainjob = median(pj);
  const unbatched = median(unbat);
  const events = median(ev);
  // How the scheduler scales with how many attempts run at once (more slots, larger group commits).
  log('scheduler by concurrency…');
  const bySlots: Record<string, number> = {};
  for (const k of quick ? [8, 128] : [8, 64, 128]) bySlots[k] = Math.round(await schedulerTasksPerSecond(n, quick ? 1 : 3, k));
  log('spawn latency…');
  const spawn = await spawnLatency(quick ? 40 : 300, 2);
  log('remote agent round trip vs the local driver…');
  const remoteMs: number[] = [];
  const localMs: number[] = [];
  for (let r = 0; r < (quick ? 1 : 3); r++) {
    localMs.push(await localRoundTripMs(quick ? 10 : 30));
    remoteMs.push(await remoteRoundTripMs(quick ? 10 : 30));
  }
  // Against a local figure measured right beside it (the same payloads and batch size), so a burst
  // of load on a shared machine hits both alike.
  log('events streamed from a remote agent vs stored locally…');
  const agentEv: number[] = [];
  const localEv: number[] = [];
  for (let r = 0; r < (quick ? 1 : 3); r++) {
    localEv.push(eventsPerSecond(quick ? 50_000 : 200_000, 1000, 1));
    agentEv.push(await agentEventsPerSecond(quick ? 50_000 : 200_000, 1000));
  }
  const hosts = await hostsBench(quick, log);
  log(`landing ${quick ? 10 : 50} branches vs a plain git merge loop…`);
  const landing = await landingVsGitMerge(quick ? 10 : 50, quick ? 1 : 3);
  const result = {
    scheduler_tasks_per_s: Math.round(scheduler),
    plainjob_tasks_per_s: Math.round(plainjob),
    scheduler_vs_plainjob: ratio(scheduler, plainjob),
    ...floorFigures,
    scheduler_slots: slots,
    scheduler_tasks_per_s_by_slots: bySlots,
    scheduler_unbatched_tasks_per_s: Math.round(unbatched),
    events_per_s: Math.round(events),
    spawn_ms_p50: Math.round(spawn.p50 * 100) / 100,
    spawn_ms_p99: Math.round(spawn.p99 * 100) / 100,
    landing_branches: quick ? 10 : 50,
    landing_queue_ms: landing.queue_ms,
    landing_git_merge_loop_ms: landing.git_merge_loop_ms,
    landing_vs_git_merge: landing.ratio,
    remote_round_trip_ms: Math.round(median(remoteMs) * 10) / 10,
    local_round_trip_ms: Math.round(median(localMs) * 10) / 10,
    remote_vs_local_round_trip: Math.round((median(remoteMs) / median(localMs)) * 100) / 100,
    agent_events_per_s: Math.round(median(agentEv)),
    agent_vs_local_events: Math.round((median(agentEv) / median(localEv)) * 100) / 100,
    hosts,
    tasks: n,
    rounds,
    machine,
    targets: { scheduler_tasks_per_s: 20_000, events_per_s: 150_000, spawn_ms_p99: 20, scheduler_vs_plainjob: 3, ...HOST_TARGETS, landing_vs_git_merge: 2, remote_vs_local_round_trip: 1.5, agent_vs_local_events: 0.5 },
  };
  write(result);
  return 0;
}

const HOST_TARGETS = { ssh_vs_openssh: 1, docker_vs_podman_run: 1.2, docker_ssh_vs_podman_ssh_run: 1.2 };

/** Hosts, each against its reference: a machine without sshd or podman reports why instead of a figure. */
async function hostsBench(quick: boolean, log: (m: string) => void) {
  const failed = (part: string) => (e: unknown) => ({ error: `${part}: ${(e as Error).message.split('\n')[0]}` });
  log('ssh exec vs OpenSSH ControlMaster…');
  const ssh = await sshExecBench(quick ? 20 : 100, quick ? 3 : 5).catch(failed('ssh'));
  log('docker start-to-first-output vs podman run…');
  const docker = await dockerStartBench(quick ? 3 : 7).catch(failed('docker'));
  log('docker over ssh:// start-to-first-output vs podman --url ssh:// run…');
  const docker_ssh = await dockerSshStartBench(quick ? 3 : 7).catch(failed('docker over ssh'));
  return { ssh, docker, docker_ssh };
}
