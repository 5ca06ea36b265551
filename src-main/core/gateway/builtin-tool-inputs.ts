// The built-in tools' arguments, one zod schema each: the JSON Schema every agent is shown is
// generated from it (z.toJSONSchema) and the same schema checks what the agent sends, so the two
// cannot drift apart.
import { z } from 'zod';

const reason = z.string().describe('Why you need this; shown to the person asked to approve.');

export const BUILTIN_INPUTS = {
  exec_shell: z.object({
    command: z.string().describe('The command line, e.g. "npm test".'),
    cwd: z.string().optional().describe('A folder inside the workdir to run in (default: the workdir).'),
    timeout_ms: z.number().optional().describe('Stop the command after this many milliseconds.'),
    reason: reason.optional(),
  }),
  read_file: z.object({
    path: z.string().describe('The file, relative to the workdir.'),
    offset: z.number().optional().describe('First line (1-based).'),
    limit: z.number().optional().describe('Number of lines.'),
  }),
  write_file: z.object({
    path: z.string().describe('The file, relative to the workdir.'),
    content: z.string().describe('The whole new content of the file.'),
    reason: reason.optional(),
  }),
  apply_patch: z.object({
    patch: z.string().describe('A unified diff, as `git diff` prints it.'),
    reason: reason.optional(),
  }),
} as const;

export type BuiltinTool = keyof typeof BUILTIN_INPUTS;
export type BuiltinInput<T extends BuiltinTool> = z.output<(typeof BUILTIN_INPUTS)[T]>;

/** The JSON Schema shown to agents: what the tool accepts (input side), without the `$schema` tag,
 *  which some model providers refuse inside a tool definition. */
export function inputJsonSchema(tool: BuiltinTool): Record<string, unknown> {
  const { $schema: _tag, ...schema } = z.toJSONSchema(BUILTIN_INPUTS[tool], { io: 'input' }) as Record<string, unknown>;
  return schema;
}

/** Parses an agent's arguments; a null argument counts as left out, as models often send them.
 *  Throws `makeError` with every bad field named (`command: expected string, received number`). */
export function parseBuiltinInput<T extends BuiltinTool>(tool: T, args: Record<string, unknown>, makeError: (message: string) => Error): BuiltinInput<T> {
  const present = Object.fromEntries(Object.entries(args).filter(([, v]) => v !== null && v !== undefined));
  const parsed = BUILTIN_INPUTS[tool].safeParse(present);
  if (parsed.success) return parsed.data as BuiltinInput<T>;
  throw makeError(parsed.error.issues.map((i) => {
    const field = i.path.join('.') || 'arguments';
    if (i.code === 'invalid_type' && i.path.length === 1 && !(String(i.path[0]) in present)) return `${field}: required`;
    return `${field}: ${i.message.replace(/^Invalid input: /, '')}`;
  }).join('; '));
}
