// An unknown SSH host key's message ends with how the CLI's user accepts it: its flags (host-keys.ts).
// The app has no flags: there a person trusts a key where the message is shown — the Add worker
// dialog's checkbox, or the launch preview's "Trust this key" beside the worker — after checking it.
import { ACCEPT_ON_THE_CLI } from '../hosts/ssh/host-keys';

/** In the Add worker dialog and the launch preview: the way to trust it is right under the message. */
export const TRUST_IN_THE_DIALOG = 'check it against the host, then trust it below';

/** `error` with the CLI's way to accept an unknown host key replaced by the app's `advice`. */
export function withAppAdvice(error: string, advice: string): string {
  return error.replace(ACCEPT_ON_THE_CLI, advice);
}
