import type { Command } from './context.js';

export const rotateKeys: Command = async (context) => {
  const { added } = await context.keys.rotateSigningKeys();
  await context.afterKeyRotation?.();
  await context.audit.record({ type: 'keys.rotated', actor: { type: 'system', id: 'cli' }, detail: { added } });
  return {
    data: { added },
    text: `New signing keys: ${added.join(', ')}.\nPrevious keys stay in JWKS until the tokens they signed have expired.`,
  };
};
