// The one entry point both transports call: validate the method name and input against the
// contract, run the handler, and wrap whatever happens in an envelope.
import { ZodError } from 'zod';
import { isMethodName, methods, ShoalError, type Envelope, type MethodName, type MethodOutput, type MethodParsedInput } from '../../../src-shared/contract';
import { formatIssues } from '../../../src-shared/protocol/errors';

export interface CallContext {
  transport: 'electron' | 'headless' | 'cli' | 'test';
}

export type Handler<M extends MethodName> = (input: MethodParsedInput<M>, ctx: CallContext) => MethodOutput<M> | Promise<MethodOutput<M>>;
export type Handlers = { [M in MethodName]: Handler<M> };

export type Logger = (message: string) => void;

export async function dispatch(handlers: Handlers, method: unknown, rawInput: unknown, ctx: CallContext, log: Logger = () => {},
  onSuccess: (method: MethodName) => void = () => {}): Promise<Envelope<unknown>> {
  if (!isMethodName(method)) {
    return { ok: false, error: { code: 'unknown_method', message: `There is no method named ${JSON.stringify(String(method)).slice(0, 80)}.` } };
  }
  const contract = methods[method];
  const parsed = contract.input.safeParse(rawInput ?? {});
  if (!parsed.success) {
    const issues = formatIssues(parsed.error);
    // Named by its field alone: the method is the program's word, not the person's.
    return { ok: false, error: { code: 'invalid_input', message: issues[0] ?? 'invalid input', issues } };
  }
  try {
    const handler = handlers[method] as Handler<typeof method>;
    const value = await handler(parsed.data as never, ctx);
    onSuccess(method);
    return { ok: true, value };
  } catch (error) {
    if (error instanceof ShoalError) return { ok: false, error: error.toBody() };
    if (error instanceof ZodError) {
      const issues = formatIssues(error);
      return { ok: false, error: { code: 'invalid_input', message: issues[0] ?? 'invalid input', issues } };
    }
    // Unexpected: log the detail in main, send the person something actionable without internals.
    log(`[shoal] ${method} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return { ok: false, error: { code: 'internal', message: `${method} failed: ${error instanceof Error ? error.message : String(error)}` } };
  }
}
