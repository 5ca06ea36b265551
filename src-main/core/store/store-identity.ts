// Which Shoal store a host's work belongs to. Several Shoals (two data dirs on one machine, two
// people's computers) may run attempts on one SSH host or Docker daemon; a sweep that ends work no
// stored host ref names (the moment between "the host started it" and "Shoal stored its ref") must
// end only its own store's. The id is random, made once and kept in the settings table, so it
// outlives restarts (a crashed Shoal's work is still its store's) and a copied data dir is the
// same store. Hex only: it goes into container labels and remote file names as it is.
import crypto from 'node:crypto';
import { z } from 'zod';
import type { Store } from './open';
import { setting, SettingsTable } from './settings-table';

const STORE_ID = setting('store.identity', z.string().regex(/^[0-9a-f]{16,64}$/).nullable(), null);

/** This store's id, made (and stored) on first use. Atomic across processes sharing the store: two
 *  that ask at once get the same id. */
export function storeIdentity(store: Store): string {
  const table = new SettingsTable(store);
  const known = table.get(STORE_ID);
  if (known) return known;
  return table.exclusive(() => {
    const again = table.get(STORE_ID);
    if (again) return again;
    const made = crypto.randomBytes(12).toString('hex');
    table.set(STORE_ID, made);
    return made;
  });
}
