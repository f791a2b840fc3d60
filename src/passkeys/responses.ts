import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { z } from 'zod';

/**
 * The shape of what the browser posts back (the JSON of @simplewebauthn/browser), checked before the
 * library sees it, so a truncated or hostile body is a plain refusal rather than an exception deep
 * inside. Sizes: credential ids are at most 1023 bytes (WebAuthn §5.8.3, base64url ≈ 1364 chars);
 * the form body as a whole is capped at 16 KiB (http/form-body.ts).
 */
const base64url = (max: number) => z.string().min(1).max(max).regex(/^[A-Za-z0-9_-]+$/);
const TRANSPORTS = ['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb'] as const;

const common = {
  id: base64url(1400),
  rawId: base64url(1400),
  type: z.literal('public-key'),
  clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
};

const registration = z.object({
  ...common,
  response: z.object({
    clientDataJSON: base64url(4096),
    attestationObject: base64url(12_000),
    transports: z.array(z.enum(TRANSPORTS)).max(8).optional(),
    authenticatorData: base64url(8192).optional(),
    publicKey: base64url(4096).optional(),
    publicKeyAlgorithm: z.number().int().optional(),
  }),
});

const authentication = z.object({
  ...common,
  response: z.object({
    clientDataJSON: base64url(4096),
    authenticatorData: base64url(8192),
    // ML-DSA-44 (offered first where the runtime has post-quantum signatures) signs with 2,420 bytes.
    signature: base64url(8192),
    userHandle: base64url(128).optional(),
  }),
});

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function parseRegistrationResponse(text: string): RegistrationResponseJSON | undefined {
  const parsed = registration.safeParse(parseJson(text));
  return parsed.success ? (parsed.data as RegistrationResponseJSON) : undefined;
}

export function parseAuthenticationResponse(text: string): AuthenticationResponseJSON | undefined {
  const parsed = authentication.safeParse(parseJson(text));
  return parsed.success ? (parsed.data as AuthenticationResponseJSON) : undefined;
}
