// A contract method through core.call, as the UI calls it (input validation included): the value,
// or the error when the test expects a refusal.
import type { MethodInput, MethodName, MethodOutput } from '../../../src-shared/contract';
import type { ShoalCore } from '../shoal';

export async function callValue<T = Record<string, unknown>>(c: ShoalCore, method: MethodName, input: unknown): Promise<T> {
  const envelope = await c.call(method, input, { transport: 'test' });
  if (!envelope.ok) throw new Error(`${method}: ${envelope.error.message}`);
  return envelope.value as T;
}

/** The same, typed by the method: its input is checked by the compiler, its output comes typed. */
export function callMethod<M extends MethodName>(c: ShoalCore, method: M, input: MethodInput<M>): Promise<MethodOutput<M>> {
  return callValue<MethodOutput<M>>(c, method, input);
}

export async function callError(c: ShoalCore, method: MethodName, input: unknown) {
  const envelope = await c.call(method, input, { transport: 'test' });
  if (envelope.ok) throw new Error(`${method} should have failed`);
  return envelope.error;
}
