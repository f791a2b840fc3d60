import { parseArgs } from 'node:util';
import { CLI_ACTOR } from '../audit/changes.js';
import type { ExchangeTarget } from '../clients/exchange-policy.js';
import type { Command } from './context.js';
import { UsageError } from './context.js';

const describe = (clientId: string, targets: ExchangeTarget[]) =>
  targets.length
    ? [`Client ${clientId} may exchange people's tokens for:`, ...targets.map((target) => `  ${target.resource}  ${target.scopes ? target.scopes.join(' ') : '(any permission the subject token carries)'}`)].join('\n')
    : `Client ${clientId} has no token exchange policy: it may not exchange tokens.`;

/**
 * `idp exchange-policy set CLIENT_ID --target URI[=SCOPE,SCOPE]...`: replaces the client's RFC 8693
 * token exchange policy (docs/integrating.md, "Token exchange").
 */
export const setExchangePolicy: Command = async (context, { args }) => {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, strict: true, options: { target: { type: 'string', multiple: true } } });
  const clientId = positionals[0];
  if (!clientId || !values.target?.length) throw new UsageError('exchange-policy set needs the client id and at least one --target URI[=SCOPE,SCOPE] (exchange-policy clear removes it)');
  const targets: ExchangeTarget[] = values.target.map((value) => {
    const at = value.indexOf('=');
    if (at < 0) return { resource: value };
    return { resource: value.slice(0, at), scopes: value.slice(at + 1).split(',').map((scope) => scope.trim()).filter(Boolean) };
  });
  const policy = await context.exchangePolicies.setPolicy(clientId, targets, CLI_ACTOR);
  return { data: { client_id: clientId, targets: policy }, text: describe(clientId, policy) };
};

export const showExchangePolicy: Command = async (context, { args }) => {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true });
  const clientId = positionals[0];
  if (!clientId) throw new UsageError('exchange-policy show needs the client id');
  const policy = await context.exchangePolicies.policyOf(clientId);
  return { data: { client_id: clientId, targets: policy }, text: describe(clientId, policy) };
};

export const clearExchangePolicy: Command = async (context, { args }) => {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true });
  const clientId = positionals[0];
  if (!clientId) throw new UsageError('exchange-policy clear needs the client id');
  await context.exchangePolicies.setPolicy(clientId, [], CLI_ACTOR);
  return { data: { client_id: clientId, targets: [] }, text: describe(clientId, []) };
};
