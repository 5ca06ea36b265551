// Hash-based routing: `#/runs`, `#/runs/<id>`, `#/workers`… The hash survives both transports
// (file:// in Electron, the headless host's single index.html) and needs no router dependency.
import { useEffect, useSyncExternalStore } from 'react';

export const SECTION_IDS = ['runs', 'workers', 'threads', 'jobs', 'approvals', 'alerts', 'settings'] as const;
export type SectionId = (typeof SECTION_IDS)[number];

export interface Route {
  section: SectionId;
  /** Path segments after the section, already URI-decoded: `#/runs/abc` → ['abc']. */
  params: string[];
}

export function parseHash(hash: string): Route {
  const [head, ...rest] = hash.replace(/^#\/?/, '').split('/').filter(Boolean);
  const section = (SECTION_IDS as readonly string[]).includes(head ?? '') ? (head as SectionId) : 'runs';
  return { section, params: section === head ? rest.map(safeDecode) : [] };
}

export function hrefFor(section: SectionId, ...params: string[]): string {
  return `#/${[section, ...params.map(encodeURIComponent)].join('/')}`;
}

export function navigate(href: string): void {
  if (window.location.hash !== href) window.location.hash = href;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
}

const getHash = () => window.location.hash;

export function useRoute(): Route {
  const hash = useSyncExternalStore(subscribe, getHash);
  return parseHash(hash);
}

/** An empty or unknown hash shows Runs; rewrite the address to say so (without a history entry),
 *  so reloads, copied links and the back button all agree on where we are. */
export function useCanonicalHash(route: Route): void {
  useEffect(() => {
    if (parseHash(window.location.hash).section !== route.section) return;
    const head = window.location.hash.replace(/^#\/?/, '').split('/')[0];
    if (head !== route.section) history.replaceState(null, '', window.location.pathname + window.location.search + hrefFor(route.section));
  }, [route]);
}
