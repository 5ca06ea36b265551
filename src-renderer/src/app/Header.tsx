import { ChevronIcon } from '../ui/icons';
import { ConnectionIndicator } from './ConnectionIndicator';
import { sectionOf } from './sections';
import type { ConnectionState } from './use-connection-state';
import { hrefFor, type Route } from './use-route';

export function Header({ route, connection }: { route: Route; connection: ConnectionState }) {
  const section = sectionOf(route.section);
  const detail = route.params[0];
  // `#/runs/<run>/<task>`: Runs › run › task, each level a link but the last.
  const sub = route.params[1];
  return (
    <header className="header">
      {detail ? (
        <nav aria-label="Breadcrumb" className="crumbs">
          <a href={hrefFor(section.id)}>{section.label}</a>
          <ChevronIcon size={12} className="crumb-sep" />
          {sub ? (
            <>
              <a href={hrefFor(section.id, detail)} className="mono crumb-mid">{detail}</a>
              <ChevronIcon size={12} className="crumb-sep" />
              <h1 className="header-title mono" aria-current="page">{sub}</h1>
            </>
          ) : <h1 className="header-title mono" aria-current="page">{detail}</h1>}
        </nav>
      ) : (
        <h1 className="header-title">{section.label}</h1>
      )}
      <ConnectionIndicator state={connection} />
    </header>
  );
}
