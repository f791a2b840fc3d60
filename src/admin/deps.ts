import type Provider from 'oidc-provider';
import type { OperatorLinks } from '../accounts/operator-links.js';
import type { AccountService } from '../accounts/service.js';
import type { AttributeService } from '../attributes/service.js';
import type { MfaService } from '../mfa/service.js';
import type { PasskeyChanges } from '../passkeys/changes.js';
import type { PasskeyService } from '../passkeys/service.js';
import type { AccountErasure } from '../privacy/account-erasure.js';
import type { AccountExport } from '../privacy/account-export.js';
import type { LoginProtection } from '../ratelimit/login-protection.js';
import type { AuditRecorder } from '../audit/recorder.js';
import type { WebhookService } from '../audit/webhook-service.js';
import type { KeyService } from '../keys/service.js';
import type { ClientService } from '../clients/service.js';
import type { ExchangePolicyService } from '../clients/exchange-policy.js';
import type { ConnectionService } from '../federation/connection-service.js';
import type { FederationBroker } from '../federation/broker.js';
import type { LogoutDeliveryLog } from '../oidc/backchannel-logout.js';
import type { SessionIndex } from '../oidc/session-index.js';
import type { AccessService } from '../rbac/access-service.js';
import type { GroupService } from '../rbac/group-service.js';
import type { ObjectGrantService } from '../rbac/object-grant-service.js';
import type { ResourceService } from '../rbac/resource-service.js';
import type { RoleService } from '../rbac/role-service.js';
import type { DirectoryService } from '../scim/directory-service.js';

/** What the admin API's handlers use. */
export interface AdminDeps {
  accounts: AccountService;
  operatorLinks: OperatorLinks;
  attributes: AttributeService;
  clients: ClientService;
  exchangePolicies: ExchangePolicyService;
  resources: ResourceService;
  roles: RoleService;
  groups: GroupService;
  objectGrants: ObjectGrantService;
  access: AccessService;
  audit: AuditRecorder;
  sessionIndex: SessionIndex;
  provider: () => Provider;
  loginProtection: LoginProtection;
  mfa: MfaService;
  passkeys: PasskeyService;
  passkeyChanges: PasskeyChanges;
  connections: ConnectionService;
  federation: { broker: Pick<FederationBroker, 'listIdentities'> };
  scimDirectories: DirectoryService;
  erasure: AccountErasure;
  accountExport: AccountExport;
  logoutDeliveries: LogoutDeliveryLog;
  webhooks: WebhookService;
  keys: KeyService;
  /** Makes this instance sign with new keys at once after a rotation. */
  providers: { refreshKeys(): Promise<unknown> };
  /** The effective configuration with its secrets masked (src/config/settings.ts). */
  shownSettings(): Record<string, unknown>;
}
