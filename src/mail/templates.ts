import { themedEta, type Theme } from '../http/theme.js';
import { VIEWS_DIRECTORY } from '../http/views.js';

/** Every mail the server sends, with what its template needs. No template shows text a stranger typed. */
export interface MailCatalogue {
  'verify-email': { link: string; expiresIn: string };
  'signup-existing': { signInUrl: string; resetUrl: string };
  'password-reset': { link: string; expiresIn: string };
  'password-changed': { byReset: boolean; accountUrl: string; resetUrl: string; removedProviders?: string[]; removedSecondFactor?: boolean; /** A passwordless account: the password was removed, or set again. */ change?: 'removed' | 'set' };
  'email-change-confirm': { link: string; expiresIn: string };
  'email-change-notice': { newAddress: string; completed: boolean; accountUrl: string; cancelUrl?: string };
  /** A directory (SCIM) created the account: a password-reset link with a longer life. */
  invitation: { link: string; expiresIn: string };
  /** A passkey was added or removed. Names the authenticator from our AAGUID list only: the passkey's own name was typed by whoever held the session. */
  'passkey-changed': { added: boolean; authenticator?: string; byOperator: boolean; accountUrl: string; resetUrl: string };
  /** Sent once the account is gone; its outbox row is deleted, not kept, once sent (docs/privacy.md). */
  'account-deleted': { reason: 'asked' | 'operator' | 'grace_period_ended' | 'inactive' };
  /** ACCOUNT_DELETION_GRACE_DAYS: the deletion waits until `eraseAfter`; signing in cancels it. */
  'account-deletion-scheduled': { eraseAfter: string; days: number; signInUrl: string };
  'account-deletion-cancelled': { accountUrl: string };
  /** ACCOUNT_INACTIVE_DAYS: no sign-in for `inactiveDays`; deleted on `eraseAfter` unless the person signs in. */
  'account-inactive-warning': { inactiveDays: number; eraseAfter: string; signInUrl: string };
}

/** Mails whose queue row goes as soon as it is sent or fails: they are addressed to an erased person. */
export const FORGET_WHEN_DONE: ReadonlySet<MailTemplate> = new Set(['account-deleted']);

export type MailTemplate = keyof MailCatalogue;

const SUBJECTS: { [T in MailTemplate]: (product: string, data: MailCatalogue[T]) => string } = {
  'verify-email': (product) => `Verify your email address for ${product}`,
  'signup-existing': (product) => `Someone tried to create a ${product} account with your address`,
  'password-reset': (product) => `Reset your ${product} password`,
  'password-changed': (product) => `Your ${product} password was changed`,
  'email-change-confirm': (product) => `Confirm your new email address for ${product}`,
  invitation: (product) => `Your ${product} account is ready`,
  'account-deleted': (product) => `Your ${product} account was deleted`,
  'account-deletion-scheduled': (product, data) => `Your ${product} account will be deleted on ${data.eraseAfter.slice(0, 10)}`,
  'account-deletion-cancelled': (product) => `The deletion of your ${product} account was cancelled`,
  'account-inactive-warning': (product, data) => `Your unused ${product} account will be deleted on ${data.eraseAfter.slice(0, 10)}`,
  'passkey-changed': (product, data) => (data.added ? `A passkey was added to your ${product} account` : `A passkey was removed from your ${product} account`),
  'email-change-notice': (product, data) => (data.completed ? `Your ${product} email address was changed` : `A change of your ${product} email address was requested`),
};

export interface RenderedMail {
  subject: string;
  html: string;
  text: string;
}

export type RenderMail = <T extends MailTemplate>(template: T, data: MailCatalogue[T]) => RenderedMail;

/**
 * Renders a mail from views/mail/<name>.html.eta (escaped) and <name>.text.eta (plain text, not
 * escaped: it is never read as HTML).
 */
export function createMailRenderer(branding: { productName: string; issuer: string }, theme?: Theme): RenderMail {
  const html = themedEta({ views: VIEWS_DIRECTORY, autoEscape: true, cache: true, defaultExtension: '.eta' }, theme);
  const text = themedEta({ views: VIEWS_DIRECTORY, autoEscape: false, autoTrim: [false, false], cache: true, defaultExtension: '.eta' }, theme);
  return (template, data) => {
    const context = { ...data, productName: branding.productName, issuer: branding.issuer };
    return {
      subject: SUBJECTS[template](branding.productName, data as never),
      html: html.render(`mail/${template}.html.eta`, context),
      text: text.render(`mail/${template}.text.eta`, context),
    };
  };
}

/** "24 hours", "30 minutes": link lifetimes as a person reads them. */
export function describeDuration(seconds: number): string {
  const plural = (count: number, unit: string) => `${count} ${unit}${count === 1 ? '' : 's'}`;
  if (seconds % 86_400 === 0 && seconds >= 172_800) return plural(seconds / 86_400, 'day');
  if (seconds % 3600 === 0) return plural(seconds / 3600, 'hour');
  if (seconds >= 60) return plural(Math.round(seconds / 60), 'minute');
  return plural(seconds, 'second');
}
