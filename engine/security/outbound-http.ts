/**
 * Outbound HTTP for steps, guarded against SSRF: with HTTP_ALLOWED_HOSTS set, only those hosts;
 * without it, any host whose every address is public (isPublicAddress). The address is checked at
 * connect time (in the DNS lookup the socket itself uses, and the socket connects to exactly the
 * addresses that lookup answers), so a name cannot resolve to a public address when checked and a
 * private one when connected (DNS rebinding). An IP literal is checked before any connection.
 * Redirects are never followed (a 3xx is returned to the step as is), so there is no second hop
 * to check. Each guard has its own agents: a kept-alive socket opened under one guard's rules is
 * never reused under another's.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import ipaddr from 'ipaddr.js';
import { OutboundHttpError, type OutboundHttp, type OutboundHttpRequest, type OutboundHttpResponse } from '../steps/step-types.js';

const MAX_RESPONSE_BYTES = 1024 * 1024;

type Lookup = typeof dnsLookup;

export interface OutboundHttpOptions {
  /** The resolver the socket uses (tests inject one); node:dns `lookup` by default. */
  lookup?: Lookup;
}

/** Where a request may go: the parsed URL, and whether private addresses are allowed (a listed host). */
export interface OutboundTarget {
  url: URL;
  hostname: string;
  privateAllowed: boolean;
}

/**
 * Checks a URL against the rules before any connection: the scheme, HTTP_ALLOWED_HOSTS, and an IP
 * literal's address (the WHATWG URL parser has already turned decimal, octal and hex IPv4 forms
 * into dotted quads, and IPv6 into its compressed lower-case form). Throws OutboundHttpError.
 */
export function checkOutboundUrl(rawUrl: string, allowedHosts: string[]): OutboundTarget {
  const allowList = normalizeAllowList(allowedHosts);
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new OutboundHttpError('http_unreachable', 'the URL is not valid');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new OutboundHttpError('host_not_allowed', `protocol ${url.protocol} is not allowed`);
  }
  const hostname = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const listed = allowList.includes(hostname) || allowList.includes(url.host.toLowerCase());
  if (allowList.length > 0 && !listed) {
    throw new OutboundHttpError('host_not_allowed', `host ${hostname} is not in HTTP_ALLOWED_HOSTS`);
  }
  if (!listed && ipaddr.isValid(hostname) && !isPublicAddress(hostname)) {
    throw new OutboundHttpError('host_not_allowed', `address ${hostname} is not public`);
  }
  return { url, hostname, privateAllowed: listed };
}

function normalizeAllowList(allowedHosts: string[]): string[] {
  return allowedHosts.map((h) => h.trim().toLowerCase()).filter(Boolean);
}

export function createOutboundHttp(allowedHosts: string[], options: OutboundHttpOptions = {}): OutboundHttp {
  const allowList = normalizeAllowList(allowedHosts);
  const resolve = options.lookup ?? dnsLookup;
  // Agents of this guard only (see the file comment); no keep-alive: calls are rare, and an idle
  // socket would outlive the DNS answer it was checked against.
  const agents = { 'http:': new http.Agent({ keepAlive: false }), 'https:': new https.Agent({ keepAlive: false }) };

  return {
    request(request: OutboundHttpRequest): Promise<OutboundHttpResponse> {
      let target: OutboundTarget;
      try {
        target = checkOutboundUrl(request.url, allowList);
      } catch (error) {
        return Promise.reject(error);
      }
      const { url, hostname, privateAllowed } = target;

      // Every address of the answer must be public (unless the host is listed); the socket then
      // connects to those very addresses, never to a second lookup's.
      const lookup = (host: string, lookupOptions: object, callback: (...args: any[]) => void) => {
        resolve(host, { ...lookupOptions, all: true }, (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => {
          if (error) return callback(error);
          const refused = privateAllowed ? undefined : addresses.find((a) => !isPublicAddress(a.address));
          if (refused || addresses.length === 0) {
            return callback(Object.assign(new Error('host_not_allowed'), { code: 'E_NOT_PUBLIC', address: refused?.address }));
          }
          if ((lookupOptions as { all?: boolean }).all) return callback(null, addresses);
          callback(null, addresses[0].address, addresses[0].family);
        });
      };

      return new Promise<OutboundHttpResponse>((resolve, reject) => {
        const client = url.protocol === 'https:' ? https : http;
        const req = client.request(
          url,
          {
            method: request.method,
            headers: request.headers,
            lookup: lookup as never,
            timeout: request.timeoutMs,
            agent: agents[url.protocol as 'http:' | 'https:'] as never,
          },
          (res) => {
            const chunks: Buffer[] = [];
            let size = 0;
            res.on('data', (chunk: Buffer) => {
              size += chunk.length;
              if (size > MAX_RESPONSE_BYTES) {
                req.destroy(new OutboundHttpError('http_unreachable', 'the response is larger than 1 MiB'));
                return;
              }
              chunks.push(chunk);
            });
            res.on('end', () => {
              const headers: Record<string, string> = {};
              for (const [name, value] of Object.entries(res.headers)) {
                if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
              }
              resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks).toString('utf8') });
            });
            res.on('error', reject);
          },
        );
        const deadline = setTimeout(() => req.destroy(new OutboundHttpError('http_timeout', `no answer within ${request.timeoutMs} ms`)), request.timeoutMs);
        req.on('timeout', () => req.destroy(new OutboundHttpError('http_timeout', `no answer within ${request.timeoutMs} ms`)));
        req.on('error', (error: Error & { code?: string; address?: string }) => {
          clearTimeout(deadline);
          if (error instanceof OutboundHttpError) return reject(error);
          if (error.code === 'E_NOT_PUBLIC') {
            const which = error.address ? ` (${error.address})` : '';
            return reject(new OutboundHttpError('host_not_allowed', `host ${hostname} resolves to an address that is not public${which}`));
          }
          reject(new OutboundHttpError('http_unreachable', `could not reach ${hostname}`));
        });
        req.on('close', () => clearTimeout(deadline));
        if (request.body !== undefined) req.write(request.body);
        req.end();
      });
    },
  };
}

const cidr = (range: string) => ipaddr.parseCIDR(range) as [ipaddr.IPv6, number];
/** IPv6 forms that carry an IPv4 address in their last 32 bits: judged as that address. */
const IPV4_TAIL = [
  cidr('::ffff:0:0/96'), // IPv4-mapped
  cidr('::ffff:0:0:0/96'), // IPv4-translated (RFC 6145)
  cidr('64:ff9b::/96'), // NAT64, well-known prefix (RFC 6052)
];
const SIX_TO_FOUR = cidr('2002::/16'); // IPv4 in bits 16–47
const TEREDO = cidr('2001::/32'); // server IPv4 in bits 32–63, client IPv4 inverted in bits 96–127
const GLOBAL_UNICAST = cidr('2000::/3');

/**
 * Whether an address (IPv4, or IPv6 with an optional zone id) is public, that is global unicast
 * and in no special-purpose range. IPv4: not unspecified (0/8), loopback, private, link-local,
 * carrier-grade NAT, multicast, broadcast, documentation, benchmarking or reserved (ipaddr.js's
 * ranges). IPv6: an address that embeds an IPv4 address (mapped, translated, NAT64 64:ff9b::/96,
 * 6to4, Teredo's server and client) is judged by the IPv4 address(es) it carries; any other must
 * lie in 2000::/3 outside every special-purpose range, which refuses ::/96 (unspecified, loopback,
 * IPv4-compatible), NAT64 local-use 64:ff9b:1::/48, ULA fc00::/7, link-local fe80::/10,
 * site-local fec0::/10, multicast ff00::/8, discard 100::/64, documentation 2001:db8::/32 and
 * 3fff::/20, and the rest of 2001::/23.
 */
export function isPublicAddress(address: string): boolean {
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.parse(address);
  } catch {
    return false;
  }
  if (parsed.kind() === 'ipv4') return (parsed as ipaddr.IPv4).range() === 'unicast';
  const v6 = parsed as ipaddr.IPv6;
  const bytes = v6.toByteArray();
  const v4 = (at: number, invert = false) => new ipaddr.IPv4(bytes.slice(at, at + 4).map((b) => (invert ? ~b & 0xff : b)));
  if (IPV4_TAIL.some((range) => v6.match(range))) return v4(12).range() === 'unicast';
  if (v6.match(SIX_TO_FOUR)) return v4(2).range() === 'unicast';
  if (v6.match(TEREDO)) return v4(4).range() === 'unicast' && v4(12, true).range() === 'unicast';
  return v6.match(GLOBAL_UNICAST) && v6.range() === 'unicast';
}
