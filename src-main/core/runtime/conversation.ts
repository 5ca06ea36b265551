// Rebuilds what the model sees from the stored messages: person and assistant text, the assistant's
// tool calls and their results. A fork continues its parent's conversation up to the moment it was
// forked (the parent's messages written before the fork marker). A call that never got a result (a
// crash, an abort) gets one saying so, because the API requires an answer for every call.
import type { ChatMessage } from '../providers/chat-client';
import type { MessageRecord, ThreadStore } from './thread-store';

const MAX_MESSAGES = 1000;
const MAX_FORK_DEPTH = 8;

type AssistantMessage = Extract<ChatMessage, { role: 'assistant' }>;

export function conversationFor(store: ThreadStore, threadId: string, upToId?: number, depth = 0): ChatMessage[] {
  const messages = store.listMessages(threadId, MAX_MESSAGES, upToId);
  const out: ChatMessage[] = [];
  const first = messages[0];
  if (first?.role === 'history' && first.item?.type === 'fork' && typeof first.item.from_thread_id === 'string' && depth < MAX_FORK_DEPTH) {
    out.push(...conversationFor(store, first.item.from_thread_id, first.id - 1, depth + 1));
  }
  // The assistant message collecting the current round's calls (`key`: turn and round of its calls).
  let open: { message: AssistantMessage; unanswered: Set<string>; key: string | null } | null = null;
  const closeOpen = () => {
    if (!open) return;
    for (const id of open.unanswered) out.push({ role: 'tool', tool_call_id: id, content: 'The call was interrupted before it returned.' });
    open = null;
  };
  for (const m of messages) {
    switch (m.role) {
      case 'user':
        closeOpen();
        out.push({ role: 'user', content: m.content });
        break;
      case 'assistant': {
        closeOpen();
        const message: AssistantMessage = { role: 'assistant', content: m.content };
        out.push(message);
        open = { message, unanswered: new Set(), key: null };
        break;
      }
      case 'tool_call': {
        const call = toolCallOf(m);
        if (!call) break;
        // Calls of one round belong to one assistant message, even with results stored in between.
        if (!open || (open.key !== null && open.key !== call.key)) {
          closeOpen();
          const message: AssistantMessage = { role: 'assistant', content: null };
          out.push(message);
          open = { message, unanswered: new Set(), key: call.key };
        }
        open.key = call.key;
        open.message.tool_calls = [...(open.message.tool_calls ?? []), { id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } }];
        open.unanswered.add(call.id);
        break;
      }
      case 'tool_result': {
        const id = typeof m.item?.call_id === 'string' ? m.item.call_id : null;
        if (!id || !open?.unanswered.has(id)) break;
        open.unanswered.delete(id);
        out.push({ role: 'tool', tool_call_id: id, content: typeof m.item?.output === 'string' ? m.item.output : '' });
        break;
      }
      default:
        break; // history markers and error notes are for people, not the model
    }
  }
  closeOpen();
  return out;
}

function toolCallOf(m: MessageRecord): { id: string; name: string; arguments: string; key: string } | null {
  const item = m.item;
  if (!item || typeof item.call_id !== 'string' || typeof item.tool !== 'string') return null;
  const args = typeof item.raw_arguments === 'string' ? item.raw_arguments : JSON.stringify(item.arguments ?? {});
  return { id: item.call_id, name: item.tool, arguments: args, key: `${String(item.turn_id)}:${String(item.round)}` };
}
