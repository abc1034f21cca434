import { BlockList, isIPv4 } from 'node:net';

/**
 * Known CDN edges: a name resolving there is proxied, so the CA's http-01 request and the
 * customers' visitors meet the CDN, not our front end (and the CDN serves its own certificate).
 * Published ranges of the CDNs customers most often put in front of a site; not exhaustive.
 */
const CDN_V4: [string, number, string][] = [
  // Cloudflare (https://www.cloudflare.com/ips-v4)
  ['173.245.48.0', 20, 'Cloudflare'],
  ['103.21.244.0', 22, 'Cloudflare'],
  ['103.22.200.0', 22, 'Cloudflare'],
  ['103.31.4.0', 22, 'Cloudflare'],
  ['141.101.64.0', 18, 'Cloudflare'],
  ['108.162.192.0', 18, 'Cloudflare'],
  ['190.93.240.0', 20, 'Cloudflare'],
  ['188.114.96.0', 20, 'Cloudflare'],
  ['197.234.240.0', 22, 'Cloudflare'],
  ['198.41.128.0', 17, 'Cloudflare'],
  ['162.158.0.0', 15, 'Cloudflare'],
  ['104.16.0.0', 13, 'Cloudflare'],
  ['104.24.0.0', 14, 'Cloudflare'],
  ['172.64.0.0', 13, 'Cloudflare'],
  ['131.0.72.0', 22, 'Cloudflare'],
  // Fastly
  ['151.101.0.0', 16, 'Fastly'],
  ['199.232.0.0', 16, 'Fastly'],
  // Amazon CloudFront (main blocks)
  ['13.32.0.0', 15, 'CloudFront'],
  ['13.224.0.0', 14, 'CloudFront'],
  ['18.64.0.0', 14, 'CloudFront'],
  ['18.160.0.0', 15, 'CloudFront'],
  ['54.230.0.0', 16, 'CloudFront'],
  ['99.84.0.0', 16, 'CloudFront'],
];

const CDN_V6: [string, number, string][] = [
  ['2400:cb00::', 32, 'Cloudflare'],
  ['2606:4700::', 32, 'Cloudflare'],
  ['2803:f800::', 32, 'Cloudflare'],
  ['2405:b500::', 32, 'Cloudflare'],
  ['2405:8100::', 32, 'Cloudflare'],
  ['2a06:98c0::', 29, 'Cloudflare'],
  ['2c0f:f248::', 32, 'Cloudflare'],
  ['2a04:4e40::', 32, 'Fastly'],
  ['2600:9000::', 28, 'CloudFront'],
];

/** CNAME targets that mean "behind a CDN". */
const CDN_NAMES: [string, string][] = [
  ['.cdn.cloudflare.net', 'Cloudflare'],
  ['.cloudfront.net', 'CloudFront'],
  ['.fastly.net', 'Fastly'],
  ['.fastlylb.net', 'Fastly'],
  ['.akamaiedge.net', 'Akamai'],
  ['.edgekey.net', 'Akamai'],
  ['.edgesuite.net', 'Akamai'],
  ['.azureedge.net', 'Azure CDN'],
  ['.azurefd.net', 'Azure Front Door'],
  ['.b-cdn.net', 'Bunny CDN'],
  ['.sucuri.net', 'Sucuri'],
  ['.incapdns.net', 'Imperva'],
];

const ranges = [
  ...CDN_V4.map((r) => [...r, 'ipv4'] as const),
  ...CDN_V6.map((r) => [...r, 'ipv6'] as const),
].map(([net, prefix, name, family]) => {
  const list = new BlockList();
  list.addSubnet(net, prefix, family);
  return { list, name, family };
});

/** The CDN an address belongs to, if it is one of the known edges. */
export function cdnOfAddress(address: string): string | undefined {
  const family = isIPv4(address) ? 'ipv4' : 'ipv6';
  return ranges.find((r) => r.family === family && r.list.check(address, family))?.name;
}

/** The CDN a CNAME target belongs to, if it is one of the known edge names. */
export function cdnOfName(name: string): string | undefined {
  const n = name.toLowerCase().replace(/\.$/, '');
  return CDN_NAMES.find(([suffix]) => n.endsWith(suffix))?.[1];
}
