import type Router from '@koa/router';
import type { Context } from 'koa';
import { forms, seeOther } from '../accounts/routes/page-kit.js';
import { requireCsrf } from '../http/csrf.js';
import { query } from './admin-api.js';
import { showPage } from './page-kit.js';
import type { ConsoleRouteDeps } from './routes.js';
import { apiOf, confirmPage, entries, fail, fieldErrorOf, listPage, text } from './section-kit.js';

/** The attributes a scope form offers as claims (the admin API's largest page). */
const CLAIM_CHOICES = 200;
const TYPES = ['string', 'number', 'boolean', 'date', 'enum', 'string_list'] as const;
const ATTRIBUTE_FIELDS = ['name', 'type', 'label', 'description', 'rule', 'editable_by'] as const;
const SCOPE_FIELDS = ['name', 'description', 'claims'] as const;

interface Rule {
  min_length?: number;
  max_length?: number;
  pattern?: string;
  options?: string[];
}

interface Attribute {
  name: string;
  type: (typeof TYPES)[number];
  label: string | null;
  description: string | null;
  required: boolean;
  rule: Rule;
  editable_by: 'user' | 'admin';
  show_at_signup: boolean;
  status: 'active' | 'deprecated';
}

interface Scope {
  name: string;
  description: string | null;
  claims: string[];
}

interface AttributeForm {
  name: string;
  type: string;
  label: string;
  description: string;
  required: boolean;
  editable_by: string;
  show_at_signup: boolean;
  options: string;
  pattern: string;
  min_length: string;
  max_length: string;
}

function attributeFormOf(body: Record<string, unknown>): AttributeForm {
  return {
    name: text(body.name, 100).trim(), type: text(body.type, 20), label: text(body.label, 200), description: text(body.description, 600),
    required: body.required === 'yes', editable_by: text(body.editable_by, 10) || 'admin', show_at_signup: body.show_at_signup === 'yes',
    options: text(body.options, 20_000), pattern: text(body.pattern, 1100), min_length: text(body.min_length, 20).trim(), max_length: text(body.max_length, 20).trim(),
  };
}

const formFromAttribute = (attribute: Attribute): AttributeForm => ({
  name: attribute.name, type: attribute.type, label: attribute.label ?? '', description: attribute.description ?? '', required: attribute.required,
  editable_by: attribute.editable_by, show_at_signup: attribute.show_at_signup, options: (attribute.rule.options ?? []).join('\n'), pattern: attribute.rule.pattern ?? '',
  min_length: attribute.rule.min_length?.toString() ?? '', max_length: attribute.rule.max_length?.toString() ?? '',
});

/** A number, or the text as typed so the admin API names the field when it is not one. */
const count = (value: string) => (/^\d{1,6}$/.test(value) ? Number(value) : value);

/** The rule from the fields that were filled in; the admin API refuses what the type does not understand. */
function ruleOf(form: AttributeForm): Record<string, unknown> {
  return {
    ...(entries(form.options).length ? { options: form.options.split(/\r?\n/).map((option) => option.trim()).filter(Boolean) } : {}),
    ...(form.pattern ? { pattern: form.pattern } : {}),
    ...(form.min_length ? { min_length: count(form.min_length) } : {}),
    ...(form.max_length ? { max_length: count(form.max_length) } : {}),
  };
}

const nullable = (value: string) => (value.trim() ? value.trim() : null);
const listOf = (value: unknown) => (Array.isArray(value) ? value : value === undefined ? [] : [value]).filter((item): item is string => typeof item === 'string').slice(0, 200);

const REMOVE_ATTRIBUTE = { heading: 'console.attributes.remove.heading', message: 'console.attributes.remove.message', button: 'console.attributes.remove.button' };
const REMOVE_SCOPE = { heading: 'console.scopes.remove.heading', message: 'console.scopes.remove.message', button: 'console.scopes.remove.button' };

/**
 * Attributes and scopes: the profile schema (define, edit, deprecate or reactivate, remove a
 * deprecated one behind a confirmation page) and the custom scopes that release attributes as
 * claims (define, edit, remove), each an admin API call with the operator's token.
 */
export function attributePages(router: Router, deps: ConsoleRouteDeps): void {
  const { read, write } = deps.guard;
  const blank: AttributeForm = { name: '', type: 'string', label: '', description: '', required: false, editable_by: 'admin', show_at_signup: false, options: '', pattern: '', min_length: '', max_length: '' };

  router.get('/admin/attributes', read, async (ctx) => {
    const page = await listPage<Attribute>(ctx, apiOf(deps, ctx), '/attributes', '/admin/attributes');
    if (page) showPage(deps, ctx, 'console-attributes', 'attributes', { title: 'console.attributes.title', attributes: page.items, nextHref: page.nextHref, firstPage: page.firstPage });
  });

  const showNew = (ctx: Context, form: AttributeForm, error?: unknown, status = 200) =>
    showPage(deps, ctx, 'console-attribute-new', 'attributes', { title: 'console.attributes.define', form, types: TYPES, error }, status);

  router.get('/admin/attributes/new', read, (ctx) => showNew(ctx, blank));

  router.post('/admin/attributes/new', forms, requireCsrf(), write, async (ctx) => {
    const form = attributeFormOf(ctx.request.body as Record<string, unknown>);
    const answer = await apiOf(deps, ctx).call<Attribute>('POST', '/attributes', {
      name: form.name, type: form.type, label: nullable(form.label), description: nullable(form.description), required: form.required,
      editable_by: form.editable_by, show_at_signup: form.show_at_signup, rule: ruleOf(form),
    });
    const error = fieldErrorOf(answer, ATTRIBUTE_FIELDS);
    if (error) return showNew(ctx, form, error, answer.status);
    if (answer.status !== 201) fail(answer);
    seeOther(ctx, `/admin/attributes/${encodeURIComponent(answer.body.name)}?done=attribute-created`);
  });

  async function loadAttribute(ctx: Context): Promise<Attribute> {
    const answer = await apiOf(deps, ctx).call<Attribute>('GET', `/attributes/${encodeURIComponent(ctx.params.attributeName)}`);
    if (answer.status !== 200) fail(answer);
    return answer.body;
  }
  const attributePath = (attribute: Attribute) => `/admin/attributes/${encodeURIComponent(attribute.name)}`;
  const showAttribute = (ctx: Context, attribute: Attribute, form: AttributeForm, error?: unknown, status = 200) =>
    showPage(deps, ctx, 'console-attribute', 'attributes', { title: attribute.label ?? attribute.name, attribute, form, types: TYPES, path: attributePath(attribute), error }, status);

  router.get('/admin/attributes/:attributeName', read, async (ctx) => {
    const attribute = await loadAttribute(ctx);
    showAttribute(ctx, attribute, formFromAttribute(attribute));
  });

  router.post('/admin/attributes/:attributeName/edit', forms, requireCsrf(), write, async (ctx) => {
    const attribute = await loadAttribute(ctx);
    const form = { ...attributeFormOf(ctx.request.body as Record<string, unknown>), name: attribute.name, type: attribute.type };
    const answer = await apiOf(deps, ctx).call<Attribute>('PATCH', `/attributes/${encodeURIComponent(attribute.name)}`, {
      label: nullable(form.label), description: nullable(form.description), required: form.required, editable_by: form.editable_by, show_at_signup: form.show_at_signup, rule: ruleOf(form),
    });
    const error = fieldErrorOf(answer, ATTRIBUTE_FIELDS);
    if (error) return showAttribute(ctx, attribute, form, error, answer.status);
    if (answer.status !== 200) fail(answer);
    seeOther(ctx, `${attributePath(attribute)}?done=attribute-saved`);
  });

  for (const [action, status, notice] of [['deprecate', 'deprecated', 'attribute-deprecated'], ['reactivate', 'active', 'attribute-reactivated']] as const) {
    router.post(`/admin/attributes/:attributeName/${action}`, forms, requireCsrf(), write, async (ctx) => {
      const attribute = await loadAttribute(ctx);
      const answer = await apiOf(deps, ctx).call('PATCH', `/attributes/${encodeURIComponent(attribute.name)}`, { status });
      if (answer.status !== 200) fail(answer);
      seeOther(ctx, `${attributePath(attribute)}?done=${notice}`);
    });
  }

  router.get('/admin/attributes/:attributeName/remove', read, async (ctx) => {
    const attribute = await loadAttribute(ctx);
    confirmPage(deps, ctx, 'attributes', REMOVE_ATTRIBUTE, attribute.name, `${attributePath(attribute)}/remove`, attributePath(attribute));
  });

  router.post('/admin/attributes/:attributeName/remove', forms, requireCsrf(), write, async (ctx) => {
    const attribute = await loadAttribute(ctx);
    const answer = await apiOf(deps, ctx).call('DELETE', `/attributes/${encodeURIComponent(attribute.name)}`);
    if (answer.status !== 204) fail(answer);
    seeOther(ctx, '/admin/attributes?done=attribute-removed');
  });

  // Scopes: which attributes each releases as claims.
  async function claimChoices(ctx: Context): Promise<string[]> {
    const answer = await apiOf(deps, ctx).call<{ items: Attribute[] }>('GET', `/attributes${query({ limit: CLAIM_CHOICES })}`);
    if (answer.status !== 200) fail(answer);
    return answer.body.items.map((attribute) => attribute.name);
  }

  router.get('/admin/scopes', read, async (ctx) => {
    const page = await listPage<Scope>(ctx, apiOf(deps, ctx), '/scopes', '/admin/scopes');
    if (page) showPage(deps, ctx, 'console-scopes', 'attributes', { title: 'console.scopes.title', scopes: page.items, nextHref: page.nextHref, firstPage: page.firstPage });
  });

  const showScope = async (ctx: Context, data: { scope?: Scope; form: { name: string; description: string; claims: string[] }; error?: unknown }, status = 200) =>
    showPage(deps, ctx, 'console-scope', 'attributes', { title: data.scope ? data.scope.name : 'console.scopes.define', ...data, choices: await claimChoices(ctx) }, status);

  router.get('/admin/scopes/new', read, async (ctx) => showScope(ctx, { form: { name: '', description: '', claims: [] } }));

  router.post('/admin/scopes/new', forms, requireCsrf(), write, async (ctx) => {
    const body = ctx.request.body as Record<string, unknown>;
    const form = { name: text(body.name, 100).trim(), description: text(body.description, 600), claims: listOf(body.claims) };
    const answer = await apiOf(deps, ctx).call<Scope>('POST', '/scopes', { name: form.name, description: nullable(form.description), claims: form.claims });
    const error = fieldErrorOf(answer, SCOPE_FIELDS);
    if (error) return showScope(ctx, { form, error }, answer.status);
    if (answer.status !== 201) fail(answer);
    seeOther(ctx, `/admin/scopes/${encodeURIComponent(answer.body.name)}?done=scope-created`);
  });

  async function loadScope(ctx: Context): Promise<Scope> {
    const answer = await apiOf(deps, ctx).call<Scope>('GET', `/scopes/${encodeURIComponent(ctx.params.scopeName)}`);
    if (answer.status !== 200) fail(answer);
    return answer.body;
  }
  const scopePath = (scope: Scope) => `/admin/scopes/${encodeURIComponent(scope.name)}`;

  router.get('/admin/scopes/:scopeName', read, async (ctx) => {
    const scope = await loadScope(ctx);
    await showScope(ctx, { scope, form: { name: scope.name, description: scope.description ?? '', claims: scope.claims } });
  });

  router.post('/admin/scopes/:scopeName/edit', forms, requireCsrf(), write, async (ctx) => {
    const scope = await loadScope(ctx);
    const body = ctx.request.body as Record<string, unknown>;
    const form = { name: scope.name, description: text(body.description, 600), claims: listOf(body.claims) };
    const answer = await apiOf(deps, ctx).call<Scope>('PATCH', `/scopes/${encodeURIComponent(scope.name)}`, { description: nullable(form.description), claims: form.claims });
    const error = fieldErrorOf(answer, SCOPE_FIELDS);
    if (error) return showScope(ctx, { scope, form, error }, answer.status);
    if (answer.status !== 200) fail(answer);
    seeOther(ctx, `${scopePath(scope)}?done=scope-saved`);
  });

  router.get('/admin/scopes/:scopeName/remove', read, async (ctx) => {
    const scope = await loadScope(ctx);
    confirmPage(deps, ctx, 'attributes', REMOVE_SCOPE, scope.name, `${scopePath(scope)}/remove`, scopePath(scope));
  });

  router.post('/admin/scopes/:scopeName/remove', forms, requireCsrf(), write, async (ctx) => {
    const scope = await loadScope(ctx);
    const answer = await apiOf(deps, ctx).call('DELETE', `/scopes/${encodeURIComponent(scope.name)}`);
    if (answer.status !== 204) fail(answer);
    seeOther(ctx, '/admin/scopes?done=scope-removed');
  });
}
