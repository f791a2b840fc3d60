import ipaddr from 'ipaddr.js';

/**
 * Which addresses this server may send requests to on an operator's behalf (webhooks, upstream
 * identity providers). The rule (SSRF defence): only public unicast addresses, unless the operator's
 * allow-list (OUTBOUND_ALLOWED_HOSTS) names the address, its network or the host name. Loopback,
 * private (RFC 1918), carrier-grade NAT, link-local (169.254.169.254, the cloud metadata service),
 * unique-local, multicast, unspecified and the other special-purpose ranges are refused.
 */
export interface DestinationPolicy {
  /** May a connection to `address` (the IP actually dialled) for the URL host `host` go ahead? */
  allows(host: string, address: string): boolean;
  /** Whether the operator listed this host name itself (then any address it resolves to is allowed). */
  hostListed(host: string): boolean;
}

const isAddress = (text: string) => ipaddr.IPv4.isValidFourPartDecimal(text) || ipaddr.IPv6.isValid(text);
const isCidr = (text: string) => {
  const [address, bits] = text.split('/');
  return bits !== undefined && isAddress(address) && ipaddr.isValidCIDR(text);
};

/** IPv6 global unicast is 2000::/3 (RFC 4291 §2.4, IANA): anything outside it is not a public host. */
const GLOBAL_UNICAST_V6 = ipaddr.IPv6.parseCIDR('2000::/3');

/** The address as the kernel dials it: an IPv4-mapped IPv6 address (::ffff:127.0.0.1) is IPv4. */
export function normalizeAddress(address: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  return ipaddr.isValid(bare) ? ipaddr.process(bare) : undefined;
}

/** A public unicast address: ipaddr.js names no special range for it (and, for IPv6, it is in 2000::/3). */
export function isPublicAddress(parsed: ipaddr.IPv4 | ipaddr.IPv6): boolean {
  if (parsed.range() !== 'unicast') return false;
  return parsed.kind() === 'ipv4' || (parsed as ipaddr.IPv6).match(GLOBAL_UNICAST_V6);
}

export function createDestinationPolicy(allowList: readonly string[]): DestinationPolicy {
  const hosts = new Set(allowList.filter((entry) => !isAddress(entry) && !isCidr(entry)).map((host) => host.toLowerCase()));
  const networks = allowList
    .filter((entry) => isAddress(entry) || isCidr(entry))
    .map((entry) => {
      const [address, bits] = entry.split('/');
      const parsed = ipaddr.process(address);
      // An IPv4-mapped range (::ffff:10.0.0.0/104) is the IPv4 range it maps.
      const mappedOffset = parsed.kind() === 'ipv4' && ipaddr.IPv6.isValid(address) ? 96 : 0;
      return { parsed, bits: bits === undefined ? (parsed.kind() === 'ipv4' ? 32 : 128) : Number(bits) - mappedOffset };
    });
  const hostListed = (host: string) => hosts.has(host.replace(/^\[|\]$/g, '').replace(/\.$/, '').toLowerCase());

  return {
    hostListed,
    allows(host, address) {
      if (hostListed(host)) return true;
      const parsed = normalizeAddress(address);
      if (!parsed) return false;
      if (networks.some((network) => network.parsed.kind() === parsed.kind() && parsed.match(network.parsed, network.bits))) return true;
      return isPublicAddress(parsed);
    },
  };
}
