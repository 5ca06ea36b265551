// Thread handlers: the contract over the runtime's handle_thread / handle_prompt.
import type { threadMethods } from '../../../../src-shared/contract/methods/threads';
import type { CoreServices } from '../services';
import type { Handler } from '../dispatch';

export function threadHandlers(core: CoreServices): { [M in keyof typeof threadMethods]: Handler<M> } {
  const rt = core.runtime;
  return {
    'threads.list': ({ includeArchived, limit, query }) => rt.listThreads({ includeArchived, limit, query }),
    'threads.read': ({ threadId }) => rt.readThread(threadId),
    'threads.create': () => rt.createThread(),
    'threads.start': (params) => rt.startThread(params),
    'threads.resume': (params) => rt.resumeThread(params),
    'threads.fork': (params) => rt.forkThread(params),
    'threads.setName': ({ threadId, name }) => rt.setThreadName(threadId, name),
    'threads.archive': ({ threadId }) => rt.archiveThread(threadId),
    'threads.unarchive': ({ threadId }) => rt.unarchiveThread(threadId),
    'threads.message': ({ threadId, input }) => rt.messageThread(threadId, input),
    'threads.interrupt': ({ threadId }) => rt.interruptThread(threadId),
    'threads.prompt': (req) => rt.prompt(req),
    'threads.toSpec': ({ threadId, agent }) => rt.threadToSpec(threadId, agent),
  };
}
