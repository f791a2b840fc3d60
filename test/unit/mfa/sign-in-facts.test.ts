import { describe, expect, it } from '@jest/globals';
import { signedInWithin, usedPasskey } from '../../../src/mfa/policy.js';

// The two facts about a session's sign-in that the account pages, self-deletion, linking, the step-up and
// the login checks all ask (src/mfa/policy.ts).
describe('sign-in facts', () => {
  it('a sign-in is recent up to and including the window, and never when its time is unknown', () => {
    expect(signedInWithin(1000, 1300, 300)).toBe(true);
    expect(signedInWithin(1000, 1301, 300)).toBe(false);
    expect(signedInWithin(undefined, 1000, 300)).toBe(false);
  });

  it('a passkey sign-in is one whose amr names a hardware or software key', () => {
    expect(usedPasskey(['hwk', 'user', 'mfa'])).toBe(true);
    expect(usedPasskey(['swk', 'user'])).toBe(true);
    expect(usedPasskey(['pwd', 'otp', 'mfa'])).toBe(false);
    expect(usedPasskey(['fed'])).toBe(false);
    expect(usedPasskey(undefined)).toBe(false);
  });
});
