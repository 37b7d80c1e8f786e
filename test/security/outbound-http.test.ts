/**
 * SSRF protection of outbound HTTP (journeys.md, `http.request`, "Which hosts may be called"):
 * every form of a non-public address is refused, as a URL literal (after the WHATWG URL parser's
 * normalisation of decimal, octal, hex, short, compressed and upper-case forms) and as a DNS
 * answer; the socket connects to the very addresses that were checked; redirects are not followed;
 * HTTP_ALLOWED_HOSTS still lets listed hosts be private. And through a real journey over HTTP.
 */
import type { LookupAddress } from 'node:dns';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { checkOutboundUrl, createOutboundHttp, isPublicAddress } from '../../engine/security/outbound-http.js';
import { OutboundHttpError } from '../../engine/steps/step-types.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { reveal, run } from '../steps/step-helpers.js';

type Outcome = 'allowed' | 'host_not_allowed' | 'http_unreachable';

/** [url, expected outcome of the pre-connection check without HTTP_ALLOWED_HOSTS, what it is]. */
const URLS: Array<[string, Outcome, string]> = [
  // IPv4, dotted
  ['http://127.0.0.1/', 'host_not_allowed', 'loopback'],
  ['http://127.255.255.254:8080/x', 'host_not_allowed', 'loopback, end of 127/8'],
  ['http://10.0.0.1/', 'host_not_allowed', 'private 10/8'],
  ['http://172.16.0.1/', 'host_not_allowed', 'private 172.16/12'],
  ['http://172.31.255.255/', 'host_not_allowed', 'private, end of 172.16/12'],
  ['http://192.168.1.1/', 'host_not_allowed', 'private 192.168/16'],
  ['http://169.254.169.254/latest/meta-data/', 'host_not_allowed', 'link-local (cloud metadata)'],
  ['http://100.64.0.1/', 'host_not_allowed', 'carrier-grade NAT'],
  ['http://0.0.0.0/', 'host_not_allowed', 'unspecified'],
  ['http://0/', 'host_not_allowed', 'unspecified, one number'],
  ['http://224.0.0.1/', 'host_not_allowed', 'multicast'],
  ['http://255.255.255.255/', 'host_not_allowed', 'broadcast'],
  ['http://192.0.2.1/', 'host_not_allowed', 'documentation'],
  ['http://198.18.0.1/', 'host_not_allowed', 'benchmarking'],
  ['http://240.0.0.1/', 'host_not_allowed', 'reserved 240/4'],
  // IPv4, integer and short forms (the URL parser turns them into dotted quads)
  ['http://2130706433/', 'host_not_allowed', 'loopback as a decimal integer'],
  ['http://0x7f000001/', 'host_not_allowed', 'loopback as a hex integer'],
  ['http://017700000001/', 'host_not_allowed', 'loopback as an octal integer'],
  ['http://0177.0.0.1/', 'host_not_allowed', 'loopback, octal first part'],
  ['http://0x7F.0.0.1/', 'host_not_allowed', 'loopback, hex first part, upper case'],
  ['http://127.1/', 'host_not_allowed', 'loopback, two parts'],
  ['http://0x0a.0x00.0x00.0x01/', 'host_not_allowed', 'private, all hex parts'],
  ['http://3232235777/', 'host_not_allowed', '192.168.1.1 as a decimal integer'],
  ['http://0xA9FEA9FE/', 'host_not_allowed', 'metadata as a hex integer'],
  // IPv6: loopback, unspecified, IPv4-compatible ::/96
  ['http://[::1]/', 'host_not_allowed', 'IPv6 loopback'],
  ['http://[0:0:0:0:0:0:0:1]/', 'host_not_allowed', 'IPv6 loopback, uncompressed'],
  ['http://[::]/', 'host_not_allowed', 'IPv6 unspecified'],
  ['http://[::127.0.0.1]/', 'host_not_allowed', 'IPv4-compatible loopback, mixed notation'],
  ['http://[::7f00:1]/', 'host_not_allowed', 'IPv4-compatible loopback, hex'],
  ['http://[::10.0.0.1]:8080/', 'host_not_allowed', 'IPv4-compatible private'],
  ['http://[::8.8.8.8]/', 'host_not_allowed', 'IPv4-compatible public (deprecated: all of ::/96 is refused)'],
  // IPv6: IPv4-mapped ::ffff:0:0/96 and IPv4-translated ::ffff:0:0:0/96
  ['http://[::ffff:127.0.0.1]/', 'host_not_allowed', 'IPv4-mapped loopback'],
  ['http://[::ffff:7f00:1]/', 'host_not_allowed', 'IPv4-mapped loopback, hex'],
  ['http://[0:0:0:0:0:ffff:127.0.0.1]/', 'host_not_allowed', 'IPv4-mapped loopback, uncompressed'],
  ['http://[::FFFF:A9FE:A9FE]/', 'host_not_allowed', 'IPv4-mapped metadata, upper case'],
  ['http://[::ffff:192.168.0.1]:443/', 'host_not_allowed', 'IPv4-mapped private'],
  ['http://[::ffff:0:127.0.0.1]/', 'host_not_allowed', 'IPv4-translated loopback'],
  // IPv6: NAT64
  ['http://[64:ff9b::127.0.0.1]/', 'host_not_allowed', 'NAT64 loopback'],
  ['http://[64:ff9b::a9fe:a9fe]/', 'host_not_allowed', 'NAT64 metadata'],
  ['http://[64:FF9B::192.168.0.1]/', 'host_not_allowed', 'NAT64 private, upper case'],
  ['http://[64:ff9b:1::8.8.8.8]/', 'host_not_allowed', 'NAT64 local-use prefix 64:ff9b:1::/48'],
  // IPv6: 6to4 and Teredo
  ['http://[2002:7f00:1::]/', 'host_not_allowed', '6to4 of loopback'],
  ['http://[2002:c0a8:101::1]/', 'host_not_allowed', '6to4 of 192.168.1.1'],
  ['http://[2002:a9fe:a9fe:0:0:0:0:1]/', 'host_not_allowed', '6to4 of metadata, uncompressed'],
  ['http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/', 'host_not_allowed', 'Teredo, client ~80ff:fffe = 127.0.0.1'],
  ['http://[2001:0:4136:e378::f5ff:fffe]/', 'host_not_allowed', 'Teredo, client ~f5ff:fffe = 10.0.0.1'],
  ['http://[2001:0:a00:1::f7f7:f7f7]/', 'host_not_allowed', 'Teredo, private server 10.0.0.1'],
  // IPv6: ULA, link-local, site-local, multicast, documentation, discard
  ['http://[fc00::1]/', 'host_not_allowed', 'unique local fc00::/7'],
  ['http://[fd12:3456:789a::1]/', 'host_not_allowed', 'unique local fd00::/8'],
  ['http://[fe80::1]/', 'host_not_allowed', 'link-local'],
  ['http://[FE80::1]/', 'host_not_allowed', 'link-local, upper case'],
  ['http://[febf:ffff::1]/', 'host_not_allowed', 'link-local, end of fe80::/10'],
  ['http://[fec0::1]/', 'host_not_allowed', 'site-local'],
  ['http://[ff02::1]/', 'host_not_allowed', 'multicast, link scope'],
  ['http://[ff0e::1]/', 'host_not_allowed', 'multicast, global scope'],
  ['http://[2001:db8::1]/', 'host_not_allowed', 'documentation 2001:db8::/32'],
  ['http://[2001:DB8:0:0:0:0:0:1]/', 'host_not_allowed', 'documentation, uncompressed upper case'],
  ['http://[3fff::1]/', 'host_not_allowed', 'documentation 3fff::/20'],
  ['http://[100::1]/', 'host_not_allowed', 'discard 100::/64'],
  // Zone ids: the WHATWG URL parser refuses them in a URL
  ['http://[fe80::1%25eth0]/', 'http_unreachable', 'link-local with a zone id'],
  ['http://[fe80::1%eth0]/', 'http_unreachable', 'link-local with a raw zone id'],
  // Other schemes
  ['file:///etc/passwd', 'host_not_allowed', 'file: scheme'],
  ['gopher://127.0.0.1:25/', 'host_not_allowed', 'gopher: scheme'],
  // Public: allowed
  ['http://8.8.8.8/', 'allowed', 'public IPv4'],
  ['http://134744072/', 'allowed', '8.8.8.8 as a decimal integer'],
  ['http://0x08080808/', 'allowed', '8.8.8.8 as a hex integer'],
  ['https://1.1.1.1:8443/x', 'allowed', 'public IPv4 with a port'],
  ['http://172.32.0.1/', 'allowed', 'just outside 172.16/12'],
  ['http://100.128.0.1/', 'allowed', 'just outside carrier-grade NAT'],
  ['http://[2606:4700:4700::1111]/', 'allowed', 'public IPv6'],
  ['http://[2606:4700:4700:0:0:0:0:1111]/', 'allowed', 'public IPv6, uncompressed'],
  ['http://[2A00:1450:4001::200E]/', 'allowed', 'public IPv6, upper case'],
  ['http://[2001:200::1]/', 'allowed', 'public IPv6 just outside 2001::/23'],
  ['http://[::ffff:8.8.8.8]/', 'allowed', 'IPv4-mapped public'],
  ['http://[64:ff9b::8.8.8.8]/', 'allowed', 'NAT64 of a public address'],
  ['http://[2002:808:808::1]/', 'allowed', '6to4 of a public address'],
  ['http://[2001:0:4136:e378:8000:63bf:f7f7:f7f7]/', 'allowed', 'Teredo, public server and client ~f7f7:f7f7 = 8.8.8.8'],
  ['https://api.example.com/x', 'allowed', 'a name (judged by its DNS answer)'],
];

/** Raw addresses as a resolver answers them (no URL parsing): zone ids, upper case, mixed notation. */
const ADDRESSES: Array<[string, boolean]> = [
  ['127.0.0.1', false],
  ['10.1.2.3', false],
  ['::1', false],
  ['::', false],
  ['fe80::1%eth0', false],
  ['fe80::abcd%2', false],
  ['FE80::1%lo', false],
  ['::FFFF:127.0.0.1', false],
  ['0:0:0:0:0:ffff:7f00:1', false],
  ['::ffff:169.254.169.254', false],
  ['::127.0.0.1', false],
  ['64:ff9b::10.0.0.1', false],
  ['2002:0a00:0001::', false],
  ['2001:0000:4136:e378:8000:63bf:80ff:fffe', false],
  ['fd00::1', false],
  ['fec0::1%1', false],
  ['ff05::2', false],
  ['2001:db8:85a3::8a2e:370:7334', false],
  ['not-an-address', false],
  ['', false],
  ['8.8.8.8', true],
  ['2606:4700:4700::1111', true],
  ['2606:4700:4700:0000:0000:0000:0000:1111', true],
  ['::ffff:1.1.1.1', true],
  ['64:ff9b::808:808', true],
];

describe('the address check', () => {
  it(`has a table of ${URLS.length} URL forms`, () => {
    expect(URLS.length).toBeGreaterThanOrEqual(40);
  });

  it.each(URLS)('%s is %s (%s), without HTTP_ALLOWED_HOSTS', (url, expected) => {
    let outcome: Outcome = 'allowed';
    try {
      checkOutboundUrl(url, []);
    } catch (error) {
      expect(error).toBeInstanceOf(OutboundHttpError);
      outcome = (error as OutboundHttpError).code as Outcome;
    }
    expect(outcome).toBe(expected);
  });

  it.each(ADDRESSES)('a resolved address %j is public: %s', (address, expected) => {
    expect(isPublicAddress(address)).toBe(expected);
  });

  it('keeps HTTP_ALLOWED_HOSTS: a listed host may be private, any other host is refused, public or not', () => {
    expect(checkOutboundUrl('http://127.0.0.1:9/', ['127.0.0.1']).privateAllowed).toBe(true);
    expect(checkOutboundUrl('http://[::1]:9/', ['::1']).privateAllowed).toBe(true);
    expect(checkOutboundUrl('http://internal.test:8443/', ['internal.test:8443']).privateAllowed).toBe(true);
    expect(() => checkOutboundUrl('http://internal.test:8444/', ['internal.test:8443'])).toThrow(/not in HTTP_ALLOWED_HOSTS/);
    expect(() => checkOutboundUrl('http://8.8.8.8/', ['example.com'])).toThrow(/not in HTTP_ALLOWED_HOSTS/);
    // Another form of a listed address is another host.
    expect(() => checkOutboundUrl('http://[::ffff:127.0.0.1]/', ['127.0.0.1'])).toThrow(/not in HTTP_ALLOWED_HOSTS/);
  });
});

/** A loopback API (dual-stack when IPv6 is available) that counts what it receives. */
async function startApi() {
  const received: string[] = [];
  const server: Server = createServer((req, res) => {
    received.push(req.url ?? '');
    if (req.url === '/redirect') {
      res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"reached":true}');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '::', () => resolve());
  }).catch(() => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve())));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    received,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A resolver that answers `answer` for every name and records what it was asked. */
function fakeLookup(answer: LookupAddress[]) {
  const asked: string[] = [];
  const lookup = ((host: string, _options: object, callback: (error: null, addresses: LookupAddress[]) => void) => {
    asked.push(host);
    setImmediate(() => callback(null, answer));
  }) as never;
  return { lookup, asked };
}

describe('outbound requests (DNS answers, pinning, redirects)', () => {
  let api: Awaited<ReturnType<typeof startApi>>;
  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(() => api.close());
  beforeEach(() => {
    api.received.length = 0;
  });

  const get = (http: ReturnType<typeof createOutboundHttp>, url: string) => http.request({ url, method: 'GET', timeoutMs: 3000 });

  it('refuses a name when any address of its answer is not public, connecting to none of them', async () => {
    for (const answer of [
      [{ address: '127.0.0.1', family: 4 }],
      [{ address: '::ffff:127.0.0.1', family: 6 }],
      [{ address: '8.8.8.8', family: 4 }, { address: '127.0.0.1', family: 4 }],
      [{ address: '2606:4700:4700::1111', family: 6 }, { address: 'fe80::1%lo', family: 6 }],
    ]) {
      const { lookup, asked } = fakeLookup(answer);
      const error = await get(createOutboundHttp([], { lookup }), `http://rebind.test:${api.port}/`).catch((e) => e);
      expect(error, JSON.stringify(answer)).toBeInstanceOf(OutboundHttpError);
      expect(error.code).toBe('host_not_allowed');
      expect(error.message).toMatch(/resolves to an address that is not public/);
      expect(asked).toEqual(['rebind.test']);
    }
    expect(api.received).toEqual([]);
  });

  it('refuses localhost through the real resolver', async () => {
    const error = await get(createOutboundHttp([]), `http://localhost:${api.port}/`).catch((e) => e);
    expect(error.code).toBe('host_not_allowed');
    expect(api.received).toEqual([]);
  });

  it('connects to the address the checked lookup answered (a listed name the real DNS does not know)', async () => {
    const { lookup, asked } = fakeLookup([{ address: '127.0.0.1', family: 4 }]);
    const response = await get(createOutboundHttp(['pinned.test'], { lookup }), `http://pinned.test:${api.port}/pinned`);
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ reached: true });
    expect(asked).toEqual(['pinned.test']);
    expect(api.received).toEqual(['/pinned']);
  });

  it('does not follow a redirect, even to a private address: the 3xx is the answer', async () => {
    const response = await get(createOutboundHttp(['127.0.0.1']), `http://127.0.0.1:${api.port}/redirect`);
    expect(response.status).toBe(302);
    expect(response.headers.location).toBe('http://169.254.169.254/latest/meta-data/');
    expect(api.received).toEqual(['/redirect']);
  });
});

/** http.request: success → exposes `out`, failure → exposes `err`. */
function httpJourney(url: string) {
  return {
    call: { type: 'http.request', config: { url, timeoutMs: 5000, outputVariable: 'out' }, errorOutputVariable: 'err', branches: { success: 'ok', failure: 'onError' } },
    ok: reveal({ path: 'success' }),
    onError: reveal({ path: 'failure', err: '{% err %}' }),
  };
}

describe.each([
  ['without HTTP_ALLOWED_HOSTS (the address check decides)', '', /is not public/],
  ['with HTTP_ALLOWED_HOSTS=example.com', 'example.com', /not in HTTP_ALLOWED_HOSTS/],
])('a journey calling loopback through IPv6 forms, %s', (_name, allowed, message) => {
  let server: TestServer;
  let api: Awaited<ReturnType<typeof startApi>>;
  beforeAll(async () => {
    [server, api] = await Promise.all([startTestServer({ env: { HTTP_ALLOWED_HOSTS: allowed } }), startApi()]);
  });
  afterAll(async () => {
    await api.close();
    await server.close({ remove: true });
  });

  it('the loopback API is reachable at [::ffff:127.0.0.1] without the guard', async () => {
    const direct = await fetch(`http://[::ffff:127.0.0.1]:${api.port}/direct`);
    expect(await direct.json()).toEqual({ reached: true });
    expect(api.received).toEqual(['/direct']);
    api.received.length = 0;
  });

  it.each(['[::ffff:127.0.0.1]', '[::127.0.0.1]', '[0:0:0:0:0:ffff:7f00:1]', '[::1]', '[64:ff9b::7f00:1]'])(
    'http.request to http://%s:PORT/ fails host_not_allowed and sends nothing',
    async (host) => {
      const started = await run(server, httpJourney(`http://${host}:${api.port}/secret`));
      expect(started.status).toBe(200);
      expect(started.body.status).toBe('completed');
      expect(started.body.result.claims).toMatchObject({ path: 'failure', err: { code: 'host_not_allowed', message: expect.stringMatching(message) } });
      expect(api.received).toEqual([]);
    },
  );
});
