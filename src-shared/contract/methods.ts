// The IPC contract: every method the renderer may call, one file per feature area under methods/.
// Adding a method there makes it exist on both transports; main must then implement it (the
// handler map in src-main/core/api is typed against this object, so a missing handler fails the build).
import type { z } from 'zod';
import { alertsMethods } from './methods/alerts';
import { appMethods } from './methods/app';
import { approvalsMethods } from './methods/approvals';
import { fleetMethods } from './methods/fleet';
import { hostsMethods } from './methods/hosts';
import { landingMethods } from './methods/landing';
import { owedReapsMethods } from './methods/owed-reaps';
import { remoteAgentsMethods } from './methods/remote-agents';
import { runtimeMethods } from './methods/runtime';

export const methods = {
  ...appMethods,
  ...approvalsMethods,
  ...fleetMethods,
  ...hostsMethods,
  ...owedReapsMethods,
  ...remoteAgentsMethods,
  ...landingMethods,
  ...runtimeMethods,
  ...alertsMethods,
} as const;

export type Methods = typeof methods;
export type MethodName = keyof Methods;
export type MethodInput<M extends MethodName> = z.input<Methods[M]['input']>;
export type MethodParsedInput<M extends MethodName> = z.output<Methods[M]['input']>;
export type MethodOutput<M extends MethodName> = z.output<Methods[M]['output']>;
export const METHOD_NAMES = Object.keys(methods) as MethodName[];

export function isMethodName(name: unknown): name is MethodName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(methods, name);
}
