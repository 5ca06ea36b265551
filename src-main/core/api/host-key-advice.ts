// An unknown SSH host key's message ends with how the CLI's user accepts it: its flags (host-keys.ts).
// The app has no flags: there a person trusts a key in Workers → Add worker, after Test connection
// showed it. App-facing messages say that instead, each where the person is.
import { ACCEPT_ON_THE_CLI } from '../hosts/ssh/host-keys';

/** In the Add worker dialog itself: its checkbox under the result. */
export const TRUST_IN_THE_DIALOG = 'check it against the host, then trust it below';

/** Anywhere else in the app (the launch preview): trusting it in Add worker pins it for that address. */
export const TRUST_IN_ADD_WORKER = 'check it against the host, then add a worker for that address in Workers → Add worker and trust the key there';

/** `error` with the CLI's way to accept an unknown host key replaced by the app's `advice`. */
export function withAppAdvice(error: string, advice: string): string {
  return error.replace(ACCEPT_ON_THE_CLI, advice);
}
