import type { Theme } from '../http/theme.js';
import { createViewsEta } from '../http/views.js';
import type { I18n } from '../i18n/index.js';
import { templateLanguage } from '../i18n/translator.js';

/** Every mail the server sends, with what its template needs. No template shows text a stranger typed. */
export interface MailCatalogue {
  /** expiresIn: seconds the link works; each language words it (Intl). */
  'verify-email': { link: string; expiresIn: number };
  'signup-existing': { signInUrl: string; resetUrl: string };
  'password-reset': { link: string; expiresIn: number };
  'password-changed': { byReset: boolean; accountUrl: string; resetUrl: string; removedProviders?: string[]; removedSecondFactor?: boolean; /** A passwordless account: the password was removed, or set again. */ change?: 'removed' | 'set' };
  'email-change-confirm': { link: string; expiresIn: number };
  'email-change-notice': { newAddress: string; completed: boolean; accountUrl: string; cancelUrl?: string };
  /** A directory (SCIM) created the account: a password-reset link with a longer life. */
  invitation: { link: string; expiresIn: number };
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

export interface RenderedMail {
  subject: string;
  html: string;
  text: string;
}

/** `locale`: the recipient's saved language; without one, the language of the request that sends the mail. */
export type RenderMail = <T extends MailTemplate>(template: T, data: MailCatalogue[T], locale?: string) => RenderedMail;

/**
 * Renders a mail from views/mail/<name>.html.eta (escaped) and <name>.text.eta (plain text, not
 * escaped: it is never read as HTML). Subject and text come from the catalog keys mail.<name>.*.
 */
export function createMailRenderer(branding: { productName: string; issuer: string }, i18n: I18n, theme?: Theme): RenderMail {
  const html = createViewsEta(theme);
  const text = createViewsEta(theme, { autoEscape: false, autoTrim: [false, false] });
  return (template, data, locale) => {
    const saved = i18n.supported(locale);
    const tr = saved ? i18n.translator(saved) : i18n.current();
    const context = { ...data, productName: branding.productName, issuer: branding.issuer, ...templateLanguage(tr) };
    return {
      subject: tr.t(`mail.${template}.subject`, { ...data, product: branding.productName, eraseAfter: tr.date((data as { eraseAfter?: string }).eraseAfter, false) }),
      html: html.render(`mail/${template}.html.eta`, context),
      text: text.render(`mail/${template}.text.eta`, context),
    };
  };
}
