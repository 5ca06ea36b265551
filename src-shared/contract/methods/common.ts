// Building blocks shared by the method files.
import { z } from 'zod';

export const Id = z.string().min(1).max(200);
export const Page = { limit: z.number().int().min(1).max(1000).default(100) };
export const RunRef = z.object({ runId: Id }).strict();
export const TaskRef = z.object({ runId: Id, taskId: Id }).strict();
export const Ok = z.object({ ok: z.boolean() });
/** Wire objects (FleetWorkerEvent, FleetReceipt) cross as the JSON serde would write. */
export const WireObject = z.record(z.string(), z.unknown());
