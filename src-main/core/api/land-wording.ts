// A landing refused in the app names the Land form's fields, not the CLI's flags (`--pr`, `--into`):
// the message is written once in core/landing (LandInputError), and this is how the app words the
// options in it.
import type { LandWording } from '../landing/land-plan';

export const APP_LAND_WORDING: LandWording = {
  sayInto: 'choose the branch to land into in Into branch',
  pr: '"Open pull requests"',
  push: '"Push to remote"',
  mode: { merge: 'How: "Merge commits"', squash: 'How: "Squash"', branches: 'How: "Leave as branches" (or "Open pull requests")' },
};
