import { fileURLToPath } from 'node:url';
import { Eta } from 'eta';

export const VIEWS_DIRECTORY = fileURLToPath(new URL('../../views', import.meta.url));

export interface Branding {
  productName: string;
  logoUrl?: string;
}

export type RenderPage = (template: string, data: Record<string, unknown>) => string;

/**
 * Server-side templates (Eta) with HTML escaping on by default: `<%= %>` escapes, and no template
 * uses the raw form on user-supplied values. Templates are cached after the first render.
 */
export function createRenderer(branding: Branding): RenderPage {
  const eta = new Eta({ views: VIEWS_DIRECTORY, autoEscape: true, cache: true, defaultExtension: '.eta' });
  return (template, data) => eta.render(`pages/${template}`, { branding, ...data });
}
