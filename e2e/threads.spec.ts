// Threads against a real headless host and a real chat-completions server on 127.0.0.1: a reply
// streams in; a tool call the policy marks "ask" waits in the approval dialog, runs once approved,
// and its result goes back to the model; rename, search, fork, archive; a thread becomes a task.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultScript, startChatServer, type ChatServer } from '../src-main/core/test-support/chat-server';
import { callHost } from './fixtures/host-call';
import { clickNotification, notificationsShown, spyOnNotifications } from './fixtures/notification-spy';
import { expect, test, type ShoalHost } from './fixtures/shoal-host';
import type { Page } from '@playwright/test';
import { ShellPage } from './pages/shell-page';
import { ThreadsPage } from './pages/threads-page';

let chat: ChatServer;
test.beforeEach(async () => {
  chat = await startChatServer();
});
test.afterEach(async () => {
  await chat.close();
});

/** A promise the scripted server holds a reply on (holdAfterChars), and what lets it go on. */
function holdable(): { held: Promise<void>; resume: () => void } {
  let resume!: () => void;
  const held = new Promise<void>((r) => (resume = r));
  return { held, resume };
}

/** The page's WebSocket goes through the test: once armed, it drops as the next frame of this kind
 *  is sent (that frame is lost), and the page reconnects on its own. */
async function dropSocketAt(page: Page, frame: string): Promise<{ arm: () => void; dropped: () => number }> {
  let armed = false;
  let dropped = 0;
  await page.routeWebSocket(/\/ws/, (ws) => {
    const server = ws.connectToServer();
    server.onMessage((message) => {
      if (armed && typeof message === 'string' && message.includes(`"${frame}"`)) {
        armed = false;
        dropped++;
        ws.close();
        server.close();
        return;
      }
      ws.send(message);
    });
  });
  return {
    arm: () => {
      armed = true;
    },
    dropped: () => dropped,
  };
}

async function withProvider(host: ShoalHost): Promise<void> {
  await callHost(host, 'providers.save', { name: 'Scripted model', baseUrl: chat.baseUrl, model: 'scripted-model' });
}

test('a reply streams in, and a tool call waits in the approval dialog until approved', async ({ page, host }) => {
  await withProvider(host);
  await callHost(host, 'approvals.rules.save', { rule: { id: 'ask-touch', tool: 'exec_shell', prefix: 'touch', action: 'ask', note: 'Creates files.' }, isNew: true });
  const shell = new ShellPage(page);
  const threads = new ThreadsPage(page);
  await shell.open(`${host.url}#/threads`);
  await threads.newThread();

  // A reply written piece by piece: the test holds the stream after its first words, sees them on
  // screen while the reply is still being written, then lets it finish (no race with a timer).
  const { held, resume } = holdable();
  chat.setScript((body, call) => call === 1 ? { text: 'Hello! I am writing this reply a few letters at a time.', chunkSize: 2, holdAfterChars: 12, resume: held } : defaultScript(body, call));
  await threads.send('Hello there');
  await expect(threads.conversation.getByTestId('msg-user')).toHaveText('Hello there');
  const streaming = threads.conversation.getByTestId('msg-streaming');
  await expect(streaming).toContainText('Hello! I am');
  await expect(streaming).not.toHaveText('Hello! I am writing this reply a few letters at a time.');
  resume();
  await expect(threads.assistantMessages().last()).toHaveText('Hello! I am writing this reply a few letters at a time.');
  await expect(streaming).toHaveCount(0);

  await threads.send('run: touch e2e-note.txt && echo created');
  const dialog = page.getByTestId('approval-dialog');
  await expect(dialog).toBeVisible({ timeout: 15_000 });
  await expect(dialog).toContainText('touch e2e-note.txt && echo created');
  await expect(dialog).toContainText('ask-touch');
  await expect(threads.toolCalls.last()).toHaveAttribute('data-state', 'waiting');
  await expect(threads.toolCalls.last()).toContainText('Waiting for approval');
  const threadId = await threads.threadId();
  const note = path.join(host.dataDir, 'threads', threadId, 'e2e-note.txt');
  expect(fs.existsSync(note)).toBe(false);
  await shell.screenshot('threads-approval');

  await dialog.locator('[data-decision="approved"]').click();
  await expect(dialog).toBeHidden();
  const card = threads.toolCalls.last();
  await expect(card).toHaveAttribute('data-state', 'completed', { timeout: 15_000 });
  await expect(card.getByTestId('tool-output')).toHaveText('created');
  await expect(card).toContainText('$ touch e2e-note.txt && echo created');
  await expect(card).toContainText('Approved by you');
  await expect(threads.assistantMessages().last()).toHaveText('The tool said: created');
  expect(fs.existsSync(note)).toBe(true);
  // The model was given the tool's output as the answer to its call.
  const last = chat.requests.filter((r) => r.path === '/v1/chat/completions').at(-1)!.body!;
  expect(last.messages.at(-1)).toMatchObject({ role: 'tool', content: expect.stringContaining('created') });
  await shell.screenshot('threads-conversation');
  await page.emulateMedia({ colorScheme: 'dark' });
  await shell.screenshot('threads-conversation-dark');
});

test('rename, search, fork and archive threads, and launch one as a task', async ({ page, host }) => {
  await withProvider(host);
  const shell = new ShellPage(page);
  const threads = new ThreadsPage(page);
  await shell.open(`${host.url}#/threads`);
  const project = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-e2e-project-'));
  await threads.newThread(project);
  await expect(threads.conversation.getByTitle('Working folder: tools run here')).toHaveText(project);
  await threads.send('run: echo made by a thread');
  await expect(threads.toolCalls.last()).toHaveAttribute('data-state', 'completed', { timeout: 15_000 });
  await expect(threads.assistantMessages().last()).toHaveText('The tool said: made by a thread');
  const original = await threads.threadId();

  await threads.conversation.getByRole('button', { name: 'Rename' }).click();
  const nameField = page.getByRole('textbox', { name: 'Thread name' });
  await nameField.fill('Greeting task');
  await nameField.press('Enter');
  await expect(threads.conversation.getByRole('heading', { level: 2 })).toHaveText('Greeting task');
  await expect(threads.list.getByTestId('thread-item').first()).toContainText('Greeting task');

  await threads.conversation.getByRole('button', { name: 'Fork' }).click();
  await expect(page).not.toHaveURL(new RegExp(`${original}$`));
  await expect(threads.conversation).toContainText('the model knows that conversation up to here');
  await expect(threads.list.getByTestId('thread-item')).toHaveCount(2);
  await threads.send('What did you run?');
  await expect(threads.assistantMessages().last()).toHaveText('You said: What did you run?');
  // The fork's model call carried the parent's conversation.
  const forkCall = chat.requests.filter((r) => r.path === '/v1/chat/completions').at(-1)!.body!;
  expect(forkCall.messages.filter((m) => m.role === 'user').map((m) => m.content)).toEqual(['run: echo made by a thread', 'What did you run?']);

  await page.getByRole('searchbox', { name: 'Search threads' }).fill('greet');
  await expect(threads.list.getByTestId('thread-item')).toHaveCount(1);
  await expect(threads.list.getByTestId('thread-item')).toContainText('Greeting task');
  await page.getByRole('searchbox', { name: 'Search threads' }).fill('');

  // The original becomes a task for the shell agent, which replays the command it ran.
  await threads.list.getByRole('link', { name: /Greeting task/ }).click();
  await threads.conversation.getByRole('button', { name: 'Make a task' }).click();
  const taskDialog = page.getByTestId('thread-task-dialog');
  await taskDialog.getByLabel('Agent').selectOption('shell');
  await expect(taskDialog.getByLabel('Task spec')).toHaveValue(/instructions: echo made by a thread/);
  await expect(taskDialog.getByLabel('Workspace')).toHaveValue(project);
  await expect(taskDialog.getByTestId('task-preview')).toContainText('Greeting task (shell');
  await shell.screenshot('threads-make-task');
  await taskDialog.getByRole('button', { name: 'Launch' }).click();
  await expect(page).toHaveURL(/#\/runs\/run-/);
  await expect(page.getByRole('heading', { level: 2 })).toHaveText('Greeting task');
  await expect(page.locator('main#content')).toContainText('Completed', { timeout: 30_000 });

  await page.goto(`${host.url}#/threads/${original}`);
  await threads.conversation.getByRole('button', { name: 'Archive' }).click();
  await expect(threads.conversation).toContainText('This thread is archived');
  await expect(threads.messageBox).toBeDisabled();
  await expect(threads.list.getByTestId('thread-item')).toHaveCount(1);
  await page.getByRole('checkbox', { name: 'Show archived' }).check();
  await expect(threads.list.getByTestId('thread-item')).toHaveCount(2);
  await expect(threads.list.getByRole('link', { name: /Greeting task/ })).toContainText('Archived');
  await shell.screenshot('threads-list');
  fs.rmSync(project, { recursive: true, force: true });
});

test('a reply whose response_end is lost in a reconnect ends once the thread is read again', async ({ page, host }) => {
  await withProvider(host);
  // The connection drops exactly as the response_end frame is sent, so the page never sees it (nor
  // anything after it on that socket).
  const socket = await dropSocketAt(page, 'response_end');
  const shell = new ShellPage(page);
  const threads = new ThreadsPage(page);
  await shell.open(`${host.url}#/threads`);
  await threads.newThread();

  const { held, resume } = holdable();
  const reply = 'A reply whose end the window never hears about.';
  chat.setScript((body, call) => call === 1 ? { text: reply, chunkSize: 4, holdAfterChars: 8, resume: held } : defaultScript(body, call));
  await threads.send('Hello there');
  const streaming = threads.conversation.getByTestId('msg-streaming');
  await expect(streaming).toContainText('A reply');
  await expect(threads.conversation).toHaveAttribute('data-busy', 'true');
  socket.arm();
  resume();
  // After the reconnect the thread is read again: no turn in progress, the reply is stored.
  await expect.poll(() => socket.dropped()).toBe(1);
  await expect(threads.assistantMessages().last()).toHaveText(reply, { timeout: 15_000 });
  await expect(streaming).toHaveCount(0);
  await expect(threads.conversation).not.toHaveAttribute('data-busy', /.*/);
  await expect(threads.conversation.getByRole('button', { name: 'Send' })).toBeVisible();
  // And the conversation carries on.
  await threads.send('Still there?');
  await expect(threads.assistantMessages().last()).toHaveText('You said: Still there?');
});

test('text streamed while the connection was down shows once it is back, before the reply ends', async ({ page, host }) => {
  await withProvider(host);
  // The connection drops at the next delta, and what main streams until the page has reconnected
  // never reaches it.
  const socket = await dropSocketAt(page, 'response_delta');
  const shell = new ShellPage(page);
  const threads = new ThreadsPage(page);
  await shell.open(`${host.url}#/threads`);
  await threads.newThread();

  const first = holdable();
  const second = holdable();
  const reply = 'Written first. Written while the window was cut off. Written last.';
  const upToSecond = reply.indexOf(' Written last.');
  chat.setScript((body, call) => call === 1
    ? { text: reply, chunkSize: 4, holdAfterChars: 12, resume: first.held, holds: [{ afterChars: upToSecond, resume: second.held }] }
    : defaultScript(body, call));
  await threads.send('Hello there');
  const streaming = threads.conversation.getByTestId('msg-streaming');
  await expect(streaming).toContainText('Written firs');
  socket.arm();
  first.resume();
  await expect.poll(() => socket.dropped()).toBe(1);
  // The reply is still being written (held), and the window shows all of it so far, the part sent
  // while it was cut off included.
  await expect(streaming).toContainText(reply.slice(0, upToSecond), { timeout: 15_000 });
  await expect(threads.conversation).toHaveAttribute('data-busy', 'true');
  await shell.screenshot('threads-stream-after-drop');
  second.resume();
  await expect(threads.assistantMessages().last()).toHaveText(reply);
  await expect(streaming).toHaveCount(0);
});

test('a thread\'s approval notification and approval entry open the thread that asks', async ({ page, host, context }) => {
  await spyOnNotifications(context, host.origin);
  await withProvider(host);
  await callHost(host, 'approvals.rules.save', { rule: { id: 'ask-touch', tool: 'exec_shell', prefix: 'touch', action: 'ask' }, isNew: true });
  const shell = new ShellPage(page);
  const threads = new ThreadsPage(page);
  await shell.open(`${host.url}#/threads`);
  await threads.newThread();
  const threadId = await threads.threadId();
  // Another page is open when the thread's tool call starts waiting.
  await threads.messageBox.fill('run: touch e2e-notified.txt');
  await threads.messageBox.press('Enter');
  await page.evaluate(() => (window.location.hash = '#/approvals'));
  await expect.poll(async () => (await notificationsShown(page)).map((n) => n.title), { timeout: 15_000 }).toContain('Approval needed');
  const index = (await notificationsShown(page)).findIndex((n) => n.title === 'Approval needed');
  await clickNotification(page, index);
  await expect(page).toHaveURL(new RegExp(`#/threads/${threadId}$`));
  await expect(threads.toolCalls.last()).toHaveAttribute('data-state', 'waiting');
  // The approval dialog (and the inbox) link to the thread too.
  const dialog = page.getByTestId('approval-dialog');
  await expect(dialog.getByTestId('approval-thread')).toHaveAttribute('href', `#/threads/${threadId}`);
  await dialog.locator('[data-decision="denied"]').click();
  await expect(threads.toolCalls.last()).toHaveAttribute('data-state', 'denied', { timeout: 15_000 });
});
