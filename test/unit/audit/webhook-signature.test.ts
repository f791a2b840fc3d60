import { describe, expect, it } from '@jest/globals';
import { signWebhookBody, verifyWebhookSignature } from '../../../src/audit/webhook-signature.js';

const secret = 'whsec_test';
const body = '{"id":"1","type":"login.succeeded"}';
const now = new Date('2026-11-27T10:00:00.000Z');
const t = Math.floor(now.getTime() / 1000);

describe('webhook signatures', () => {
  it('accepts a fresh signature over the exact body', () => {
    expect(verifyWebhookSignature({ secret, header: signWebhookBody(secret, t, body), body, now })).toBe(true);
  });

  it('rejects another body, another secret, a stale timestamp, or a missing header', () => {
    const header = signWebhookBody(secret, t, body);
    expect(verifyWebhookSignature({ secret, header, body: `${body} `, now })).toBe(false);
    expect(verifyWebhookSignature({ secret: 'whsec_other', header, body, now })).toBe(false);
    expect(verifyWebhookSignature({ secret, header, body, now: new Date(now.getTime() + 301_000) })).toBe(false);
    expect(verifyWebhookSignature({ secret, header: header.replace(`t=${t}`, `t=${t + 1}`), body, now })).toBe(false);
    expect(verifyWebhookSignature({ secret, header: undefined, body, now })).toBe(false);
    expect(verifyWebhookSignature({ secret, header: 'garbage', body, now })).toBe(false);
  });

  it('accepts any matching v1 value, as during a secret rotation', () => {
    const header = `${signWebhookBody(secret, t, body)},v1=${'0'.repeat(64)}`;
    expect(verifyWebhookSignature({ secret, header, body, now })).toBe(true);
  });
});
