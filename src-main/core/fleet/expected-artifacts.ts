// The artifacts a task spec says it produces, beyond the log and the patch every attempt has.
import fs from 'node:fs';
import path from 'node:path';
import type { FleetArtifactRef, FleetTaskSpec } from '../../../src-shared/protocol/fleet';
import { collectArtifact, describeArtifact, isPlainFile } from './artifacts';

/** Expected artifacts beyond log and patch: from metadata.artifact_paths[kind], else any file the
 *  agent wrote to $SHOAL_ARTIFACTS_DIR whose name starts with the kind. */
export function collectExpected(spec: FleetTaskSpec, workdir: string, outDir: string): FleetArtifactRef[] {
  const paths = ((spec.metadata as Record<string, unknown>).artifact_paths ?? {}) as Record<string, string>;
  const refs: FleetArtifactRef[] = [];
  for (const kind of new Set(spec.expected_artifacts.map(String))) {
    if (kind === 'log' || kind === 'patch') continue;
    const rel = paths[kind];
    if (rel) {
      try {
        const ref = collectArtifact(workdir, rel, outDir, kind);
        if (ref) refs.push(ref);
      } catch {
        // Outside the workdir: never read; reported as missing.
      }
      continue;
    }
    for (const name of fs.readdirSync(outDir)) {
      const file = path.join(outDir, name);
      // A link, a pipe or a device the agent left is no artifact: never followed, never read.
      if (name.startsWith(kind) && name !== 'agent.log' && name !== 'changes.patch' && isPlainFile(file)) refs.push(describeArtifact(kind, file));
    }
  }
  return refs;
}

export function missingExpected(spec: FleetTaskSpec, artifacts: FleetArtifactRef[]): string[] {
  const have = new Set(artifacts.map((a) => String(a.kind)));
  return [...new Set(spec.expected_artifacts.map(String))].filter((k) => k !== 'patch' && !have.has(k));
}
