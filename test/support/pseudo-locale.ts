import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, type DefaultTreeAdapterMap } from 'parse5';
import { flatten } from '../../src/i18n/catalog-files.js';
import { BUILT_IN_LOCALES_DIRECTORY } from '../../src/i18n/catalogs.js';
import { readFileSync } from 'node:fs';

/** The pseudo-locale: every English message wrapped in markers, as an operator catalog (LOCALES_DIR). */
export const PSEUDO_LOCALE = 'en-XA';
export const OPEN = '⟦';
export const CLOSE = '⟧';

export function writePseudoLocaleFolder(): string {
  const folder = mkdtempSync(join(tmpdir(), 'idp-pseudo-'));
  const english = flatten('en.json', JSON.parse(readFileSync(join(BUILT_IN_LOCALES_DIRECTORY, 'en.json'), 'utf8')));
  const wrapped = Object.fromEntries(Object.entries(english).map(([key, message]) => [key, `${OPEN}${message}${CLOSE}`]));
  writeFileSync(join(folder, `${PSEUDO_LOCALE}.json`), JSON.stringify(wrapped));
  return folder;
}

type Node = DefaultTreeAdapterMap['node'];
type Element = DefaultTreeAdapterMap['element'];

/** Elements whose content is data, not text of ours: codes, times, scripts (and any marked translate="no"). */
const DATA_ELEMENTS = new Set(['script', 'style', 'code', 'time', 'template']);
const VISIBLE_ATTRIBUTES = ['alt', 'placeholder', 'aria-label', 'title'];

/**
 * The visible text of a page (text nodes and the attributes people read), in document order, leaving
 * out what is data. Each text node and attribute is one entry.
 */
export function visibleText(html: string): string[] {
  const out: string[] = [];
  const walk = (node: Node) => {
    if ('tagName' in node) {
      const element = node as Element;
      if (DATA_ELEMENTS.has(element.tagName) || element.attrs.some((attr) => attr.name === 'translate' && attr.value === 'no')) return;
      if (element.tagName === 'input' && element.attrs.some((attr) => attr.name === 'type' && attr.value === 'hidden')) return;
      for (const attr of element.attrs) if (VISIBLE_ATTRIBUTES.includes(attr.name)) out.push(attr.value);
    }
    if (node.nodeName === '#text') out.push((node as DefaultTreeAdapterMap['textNode']).value);
    const children = 'content' in node ? (node as DefaultTreeAdapterMap['template']).content.childNodes : 'childNodes' in node ? node.childNodes : [];
    for (const child of children) walk(child);
  };
  walk(parse(html));
  return out;
}

/**
 * What is left of a page's visible text outside the markers, once the given data values (product and
 * client names the test rendered) are taken out: only separators may remain.
 */
export function textOutsideCatalog(html: string, data: readonly string[]): string {
  let text = visibleText(html).join('\u0001');
  // Remove marked spans innermost first (a link's message inside a sentence's message).
  const innermost = new RegExp(`${OPEN}[^${OPEN}${CLOSE}]*${CLOSE}`, 'g');
  while (innermost.test(text)) text = text.replace(innermost, '');
  for (const value of [...data].sort((a, b) => b.length - a.length)) text = text.split(value).join('');
  return text.replace(/[\s\u0001·—:,.()|/?-]+/g, ' ').trim();
}
