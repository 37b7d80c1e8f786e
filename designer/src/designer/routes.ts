/** The designer's client-side routes: real paths under /designer/ (the server answers index.html for each). */
export type Route = { page: 'list' } | { page: 'editor'; journeyId: string; version: number | null } | { page: 'clients' };

/** The editor's path for a journey's draft (version null) or one of its published versions: parseRoute's inverse. */
export function journeyPath(journeyId: string, version: number | null): string {
  return `/designer/journeys/${encodeURIComponent(journeyId)}${version === null ? '' : `/versions/${version}`}`;
}

export function parseRoute(pathname: string): Route {
  const m = /^\/designer\/journeys\/([^/]+)(?:\/versions\/(\d+))?\/?$/.exec(pathname);
  if (m) return { page: 'editor', journeyId: decodeURIComponent(m[1]), version: m[2] ? Number(m[2]) : null };
  // The OpenID provider's clients (#18).
  if (/^\/designer\/clients\/?$/.test(pathname)) return { page: 'clients' };
  return { page: 'list' };
}
