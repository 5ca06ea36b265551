// Shown while the headless host is unreachable: what happened, that Shoal keeps retrying, and
// that what is on screen may be out of date. Nothing here is lost: the host's SQLite store is the truth.
import { AlertIcon } from '../ui/icons';

export function ConnectionBanner() {
  return (
    <div className="banner" role="alert" data-testid="connection-banner">
      <AlertIcon />
      <span>
        <strong>Lost the connection to the Shoal host.</strong> Reconnecting… What you see may be out of date until it is back.
        If you stopped <code>shoal serve</code>, start it again and open the address it prints.
      </span>
    </div>
  );
}
