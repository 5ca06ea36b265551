// Which worker something runs on and where that is ("this computer", "ssh me@box:22", "docker IMAGE",
// "a remote agent"), for the approval dialog and the task view: a worker id alone does not tell this
// computer from an SSH host or a container.
import { z } from 'zod';

export const WorkerPlaceSchema = z.object({ name: z.string(), where: z.string() });
export type WorkerPlace = z.infer<typeof WorkerPlaceSchema>;

/** "gpu box (ssh me@box:22)", "vm (this computer)": the worker's name says where only sometimes. */
export function placeText(place: WorkerPlace): string {
  return `${place.name}${place.name.includes(place.where) ? '' : ` (${place.where})`}`;
}
