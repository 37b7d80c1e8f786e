/**
 * Outbound HTTP for steps, guarded against SSRF: with HTTP_ALLOWED_HOSTS set, only those hosts;
 * without it, any host whose address is public. The address is checked at connect time (in the
 * DNS lookup the socket itself uses), so a name cannot resolve to a public address when checked
 * and a private one when connected (DNS rebinding).
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import ipaddr from 'ipaddr.js';
import { OutboundHttpError, type OutboundHttp, type OutboundHttpRequest, type OutboundHttpResponse } from '../steps/step-types.js';

const MAX_RESPONSE_BYTES = 1024 * 1024;

export function createOutboundHttp(allowedHosts: string[]): OutboundHttp {
  const allowList = allowedHosts.map((h) => h.trim().toLowerCase()).filter(Boolean);

  return {
    request(request: OutboundHttpRequest): Promise<OutboundHttpResponse> {
      let url: URL;
      try {
        url = new URL(request.url);
      } catch {
        return Promise.reject(new OutboundHttpError('http_unreachable', 'the URL is not valid'));
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        return Promise.reject(new OutboundHttpError('host_not_allowed', `protocol ${url.protocol} is not allowed`));
      }
      const hostname = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
      const listed = allowList.includes(hostname) || allowList.includes(url.host.toLowerCase());
      if (allowList.length > 0 && !listed) {
        return Promise.reject(new OutboundHttpError('host_not_allowed', `host ${hostname} is not in HTTP_ALLOWED_HOSTS`));
      }
      const privateAllowed = listed;
      if (ipaddr.isValid(hostname) && !privateAllowed && !isPublic(hostname)) {
        return Promise.reject(new OutboundHttpError('host_not_allowed', `address ${hostname} is not public`));
      }

      const lookup = (host: string, options: object, callback: (...args: any[]) => void) => {
        dnsLookup(host, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
          if (error) return callback(error);
          const usable = privateAllowed ? addresses : addresses.filter((a) => isPublic(a.address));
          if (usable.length === 0) return callback(Object.assign(new Error('host_not_allowed'), { code: 'E_NOT_PUBLIC' }));
          if ((options as { all?: boolean }).all) return callback(null, usable);
          callback(null, usable[0].address, usable[0].family);
        });
      };

      return new Promise<OutboundHttpResponse>((resolve, reject) => {
        const client = url.protocol === 'https:' ? https : http;
        const req = client.request(
          url,
          { method: request.method, headers: request.headers, lookup: lookup as never, timeout: request.timeoutMs },
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
        req.on('error', (error: Error & { code?: string }) => {
          clearTimeout(deadline);
          if (error instanceof OutboundHttpError) return reject(error);
          if (error.code === 'E_NOT_PUBLIC') return reject(new OutboundHttpError('host_not_allowed', `host ${hostname} does not resolve to a public address`));
          reject(new OutboundHttpError('http_unreachable', `could not reach ${hostname}`));
        });
        req.on('close', () => clearTimeout(deadline));
        if (request.body !== undefined) req.write(request.body);
        req.end();
      });
    },
  };
}

function isPublic(address: string): boolean {
  try {
    let parsed = ipaddr.parse(address);
    if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
    return parsed.range() === 'unicast';
  } catch {
    return false;
  }
}
