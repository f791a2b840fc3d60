import { describe, expect, it } from '@jest/globals';
import { loadConfig } from '../../../src/config/load.js';
import { isOutboundAllowEntry } from '../../../src/config/schema.js';
import { createDestinationPolicy } from '../../../src/outbound/destination-policy.js';

describe('outbound destination policy', () => {
  const none = createDestinationPolicy([]);

  it('allows public unicast addresses only', () => {
    for (const address of ['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111', '::ffff:93.184.216.34']) expect(none.allows('h', address)).toBe(true);
    const refused = [
      '127.0.0.1', '127.255.0.9', '0.0.0.0', '0.1.2.3', '10.0.0.1', '172.16.5.4', '172.31.255.255', '192.168.0.1', '100.64.0.1',
      '169.254.169.254', '224.0.0.1', '255.255.255.255', '192.0.2.1', '198.18.0.1',
      '::1', '::', 'fe80::1', 'fe80::1%eth0', 'fd00::1', 'fc00::1', 'ff02::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1', '::ffff:169.254.169.254',
      '64:ff9b::7f00:1', '2002:7f00:1::', '2001:db8::1', '::7f00:1', 'not-an-address',
    ];
    for (const address of refused) expect([address, none.allows('h', address)]).toEqual([address, false]);
  });

  it('allows what the operator lists: addresses, ranges (IPv4-mapped ones too) and host names', () => {
    const policy = createDestinationPolicy(['10.0.0.0/8', '::1', '::ffff:192.168.0.0/112', 'Keycloak.Internal']);
    expect(policy.allows('h', '10.9.8.7')).toBe(true);
    expect(policy.allows('h', '::ffff:10.9.8.7')).toBe(true);
    expect(policy.allows('h', '::1')).toBe(true);
    expect(policy.allows('h', '192.168.3.4')).toBe(true);
    expect(policy.allows('h', '127.0.0.1')).toBe(false);
    expect(policy.allows('h', '172.16.0.1')).toBe(false);
    expect(policy.allows('keycloak.internal', '172.16.0.1')).toBe(true);
    expect(policy.allows('keycloak.internal.', '127.0.0.1')).toBe(true);
    expect(policy.allows('other.internal', '172.16.0.1')).toBe(false);
  });

  it('validates OUTBOUND_ALLOWED_HOSTS entries', () => {
    for (const entry of ['10.0.0.0/8', '127.0.0.1', '::1', 'fd00::/8', 'keycloak.internal', 'localhost', 'node1.corp']) expect(isOutboundAllowEntry(entry)).toBe(true);
    for (const entry of ['10.0.0.0/33', '10.0.0.0/', 'http://x', '*.internal', '1.2.3', 'a b']) expect([entry, isOutboundAllowEntry(entry)]).toEqual([entry, false]);
  });

  it('fails fast on a bad OUTBOUND_ALLOWED_HOSTS, naming it; defaults to no exception at all', () => {
    const secret = 'a-server-secret-that-is-long-enough-0123456789';
    expect(() => loadConfig({ SERVER_SECRET: secret, OUTBOUND_ALLOWED_HOSTS: '10.0.0.0/8, http://x' })).toThrow(/OUTBOUND_ALLOWED_HOSTS/);
    expect(loadConfig({ SERVER_SECRET: secret }).config.outboundAllowList).toEqual([]);
    expect(loadConfig({ SERVER_SECRET: secret, OUTBOUND_ALLOWED_HOSTS: ' 10.0.0.0/8 , keycloak.internal' }).config.outboundAllowList).toEqual(['10.0.0.0/8', 'keycloak.internal']);
  });
});
