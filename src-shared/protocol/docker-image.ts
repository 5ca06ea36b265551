// Whether a string is a container image reference a Docker daemon can be asked about:
// [DOMAIN[:PORT]/]PATH[:TAG][@DIGEST], as Docker's reference grammar (distribution/reference) has it.
// Checked before any request names the image: Shoal puts it in an API path (GET /images/NAME/json),
// where "", "/x", "a//b" or "../x" made the daemon answer with a redirect that docker-modem followed
// to a host named after a path segment — an unhandled error that ended the whole Shoal process —
// and "a b" or "x?y" reached the daemon as some other request.
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?`;
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const REFERENCE = new RegExp(`^(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*(?::${TAG})?(?:@${DIGEST})?$`);

export const DOCKER_IMAGE_MAX = 512;

/** What is wrong with `image` as an image reference, or null when it is one. */
export function dockerImageProblem(image: string): string | null {
  if (image.trim() === '') return 'required (an image reference, e.g. localhost/shoal-worker:latest)';
  if (image.length > DOCKER_IMAGE_MAX) return `longer than ${DOCKER_IMAGE_MAX} characters`;
  if (REFERENCE.test(image)) return null;
  const hint = /[A-Z]/.test(image.split('/').slice(-1)[0]!.split(/[:@]/)[0]!) ? ' (the repository name must be lowercase)' : '';
  return `"${image}" is not an image reference${hint}; expected [REGISTRY[:PORT]/]NAME[:TAG][@DIGEST], e.g. localhost/shoal-worker:latest`;
}
