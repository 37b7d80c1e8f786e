/**
 * A browser as far as the provider's redirects need one, without a browser: cookies kept per
 * origin (every cookie sent on every path), redirects followed within the engine. No test
 * framework here: the benchmarks use it too.
 */
/** A browser's cookies, as far as these tests need them (every cookie sent on every path of the one origin). */
export class CookieJar {
  private readonly cookies = new Map<string, string>();
  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
  store(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const split = pair.indexOf('=');
      const name = pair.slice(0, split).trim();
      const value = pair.slice(split + 1).trim();
      const expired = attributes.some((a) => /^\s*expires=Thu, 01 Jan 1970/i.test(a)) || attributes.some((a) => /^\s*max-age=0\s*$/i.test(a));
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
}

/** One request of the browser: no redirect followed, cookies kept. */
export async function browse(jar: CookieJar, url: string | URL, init: RequestInit = {}): Promise<Response> {
  const response = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string>), cookie: jar.header() } });
  jar.store(response);
  return response;
}

/** Follows redirects within the engine until one leaves it (or a page answers); answers the last response and its URL. */
export async function follow(server: { url: string }, jar: CookieJar, start: string | URL): Promise<{ response: Response; url: string }> {
  let url = String(start);
  for (let hops = 0; hops < 12; hops++) {
    const response = await browse(jar, url);
    const location = response.headers.get('location');
    if (response.status < 300 || response.status >= 400 || !location) return { response, url };
    url = new URL(location, url).toString();
    if (!url.startsWith(server.url)) return { response, url };
  }
  throw new Error('too many redirects');
}

