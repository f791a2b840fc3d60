import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { errors as oidcErrors } from 'oidc-provider';
import { AppError } from '../errors/app-error.js';
import { useUiLocales } from '../i18n/request-locale.js';

export type Interaction = Awaited<ReturnType<Provider['interactionDetails']>>;

/**
 * The interaction of this request's cookie, when it is the one the URL names and it stands at the
 * step the page is for; otherwise a 400 page telling the person to start again. Interaction pages
 * are never cached.
 */
export async function loadInteraction(provider: Provider, ctx: Context, atStep: (interaction: Interaction) => boolean): Promise<Interaction> {
  let interaction: Interaction;
  try {
    interaction = await provider.interactionDetails(ctx.req, ctx.res);
  } catch (error) {
    if (error instanceof oidcErrors.SessionNotFound) {
      throw new AppError('INTERACTION_EXPIRED', 400, 'This sign-in page has expired. Go back to the application and start again.');
    }
    throw error;
  }
  if (interaction.uid !== ctx.params.uid || !atStep(interaction)) {
    throw new AppError('INTERACTION_STEP_INVALID', 400, 'This step of the sign-in is not the current one. Go back to the application and start again.', { i18n: { key: 'error.stepInvalid' } });
  }
  ctx.set('Cache-Control', 'no-store');
  // OpenID Connect Core §3.1.2.1: the application's wish for the language of these pages comes first.
  useUiLocales(interaction.params.ui_locales);
  return interaction;
}
