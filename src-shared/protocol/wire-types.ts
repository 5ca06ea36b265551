// `shoal wire`: one line in, one line out, for conformance against the Rust reference implementation.
//   in:  {"type": "FleetRun", "value": {...}}
//   out: {"ok":true,"type":"FleetRun","value":<what serde_json::to_string writes after from_value>}
//    or  {"ok":false,"type":"FleetRun","error":"<field path>: <what is wrong>"}
// The line is read like serde_json reads it into a Value first (recursion limit, "number out of
// range", lone surrogates, serde_json's float parsing), so those are errors for the whole line.
import type { z } from 'zod';
import { formatIssues } from './errors';
import {
  FleetAlertChannelSchema,
  FleetAlertPolicySchema,
  FleetArtifactKindSchema,
  FleetArtifactRefSchema,
  FleetHostSpecSchema,
  FleetInboxEntrySchema,
  FleetReceiptSchema,
  FleetRetryPolicySchema,
  FleetRunSchema,
  FleetRunStatusSchema,
  FleetScorerSpecSchema,
  FleetScoreSchema,
  FleetTaskResultSchema,
  FleetTaskSpecSchema,
  FleetWorkerEventPayloadSchema,
  FleetWorkerEventSchema,
  FleetWorkerSpecSchema,
  FleetWorkerStatusSchema,
} from './fleet';
import { FloatLiteral, parseJsonLossless, stringifyWire } from './json-lossless';

export const WIRE_TYPE_NAMES = [
  'FleetRun',
  'FleetRunStatus',
  'FleetTaskSpec',
  'FleetArtifactRef',
  'FleetArtifactKind',
  'FleetScorerSpec',
  'FleetWorkerSpec',
  'FleetHostSpec',
  'FleetWorkerStatus',
  'FleetInboxEntry',
  'FleetWorkerEvent',
  'FleetWorkerEventPayload',
  'FleetRetryPolicy',
  'FleetAlertPolicy',
  'FleetAlertChannel',
  'FleetReceipt',
  'FleetTaskResult',
  'FleetScore',
] as const;
export type WireTypeName = (typeof WIRE_TYPE_NAMES)[number];

export const WIRE_TYPES: Record<WireTypeName, z.ZodType> = {
  FleetRun: FleetRunSchema,
  FleetRunStatus: FleetRunStatusSchema,
  FleetTaskSpec: FleetTaskSpecSchema,
  FleetArtifactRef: FleetArtifactRefSchema,
  FleetArtifactKind: FleetArtifactKindSchema,
  FleetScorerSpec: FleetScorerSpecSchema,
  FleetWorkerSpec: FleetWorkerSpecSchema,
  FleetHostSpec: FleetHostSpecSchema,
  FleetWorkerStatus: FleetWorkerStatusSchema,
  FleetInboxEntry: FleetInboxEntrySchema,
  FleetWorkerEvent: FleetWorkerEventSchema,
  FleetWorkerEventPayload: FleetWorkerEventPayloadSchema,
  FleetRetryPolicy: FleetRetryPolicySchema,
  FleetAlertPolicy: FleetAlertPolicySchema,
  FleetAlertChannel: FleetAlertChannelSchema,
  FleetReceipt: FleetReceiptSchema,
  FleetTaskResult: FleetTaskResultSchema,
  FleetScore: FleetScoreSchema,
};

export function isWireTypeName(name: unknown): name is WireTypeName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(WIRE_TYPES, name);
}

/**
 * The parsed value, with its float fields marked so stringifyWire spells them as serde_json does
 * (`1.0` for an f64 of 1, f32 digits for cpu_percent). The parsed types keep plain numbers.
 */
export function toWireValue(type: WireTypeName, value: unknown): unknown {
  const record = value as Record<string, unknown>;
  switch (type) {
    case 'FleetScore':
      return markScore(record);
    case 'FleetReceipt':
      return record.score ? { ...record, score: markScore(record.score as Record<string, unknown>) } : record;
    case 'FleetWorkerEvent':
    case 'FleetWorkerEventPayload':
      return typeof record.cpu_percent === 'number' ? { ...record, cpu_percent: new FloatLiteral(record.cpu_percent, 32) } : record;
    default:
      return value;
  }
}

function markScore(score: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...score, value: new FloatLiteral(score.value as number) };
  if (typeof score.max === 'number') out.max = new FloatLiteral(score.max);
  return out;
}

/** One line of the conformance filter. Never throws. */
export function wireLine(line: string): string {
  let type: string | null = null;
  try {
    let doc: unknown;
    try {
      doc = parseJsonLossless(line, { serdeJson: true });
    } catch (error) {
      return failure(null, `(root): invalid JSON: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc) || doc instanceof FloatLiteral) {
      return failure(null, '(root): expected an object {"type": <type name>, "value": <value>}');
    }
    const envelope = doc as Record<string, unknown>;
    if (typeof envelope.type !== 'string') return failure(null, 'type: expected a type name string');
    type = envelope.type;
    if (!isWireTypeName(type)) return failure(type, `type: unknown type ${JSON.stringify(type)}, expected one of ${WIRE_TYPE_NAMES.join(', ')}`);
    if (!Object.prototype.hasOwnProperty.call(envelope, 'value')) return failure(type, 'value: required');
    const result = WIRE_TYPES[type].safeParse(envelope.value);
    if (!result.success) return failure(type, formatIssues(result.error).join('; ') || '(root): invalid value');
    return stringifyWire({ ok: true, type, value: toWireValue(type, result.data) });
  } catch (error) {
    return failure(type, `(root): internal error: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function failure(type: string | null, error: string): string {
  return stringifyWire({ ok: false, type, error });
}
