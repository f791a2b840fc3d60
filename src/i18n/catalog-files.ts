import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse, TYPE, type MessageFormatElement } from '@formatjs/icu-messageformat-parser';

/** One language's messages, flattened to dotted keys ("login.title"). */
export type Messages = Record<string, string>;

/** A catalog that cannot be used; the message names the file and the key, so an operator can fix it. */
export class CatalogError extends Error {
  constructor(file: string, key: string | undefined, problem: string) {
    super(`locale catalog ${file}${key ? ` key "${key}"` : ''}: ${problem}`);
    this.name = 'CatalogError';
  }
}

/** A catalog file is named by its BCP 47 language tag: de.json, pt-BR.json. */
const CATALOG_FILE = /^([A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*)\.json$/;

/** Reads every <tag>.json in a folder; a missing folder has no catalogs. */
export function readCatalogFolder(folder: string): Map<string, { file: string; messages: Messages }> {
  const found = new Map<string, { file: string; messages: Messages }>();
  let names: string[];
  try {
    if (!statSync(folder).isDirectory()) throw new CatalogError(folder, undefined, 'is not a folder');
    names = readdirSync(folder);
  } catch (error) {
    if (error instanceof CatalogError) throw error;
    throw new CatalogError(folder, undefined, `cannot be read (${(error as Error).message})`);
  }
  for (const name of names.sort()) {
    if (!name.endsWith('.json')) continue;
    const file = join(folder, name);
    const tag = CATALOG_FILE.exec(name)?.[1];
    if (!tag) throw new CatalogError(file, undefined, 'the file name must be a language tag, such as de.json or pt-BR.json');
    let canonical: string;
    try {
      [canonical] = Intl.getCanonicalLocales(tag) as [string];
    } catch {
      throw new CatalogError(file, undefined, `"${tag}" is not a valid language tag`);
    }
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new CatalogError(file, undefined, `is not valid JSON (${(error as Error).message})`);
    }
    found.set(canonical, { file, messages: flatten(file, json) });
  }
  return found;
}

/** Nested objects become dotted keys; every leaf must be a string message. */
export function flatten(file: string, json: unknown, prefix = '', into: Messages = {}): Messages {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new CatalogError(file, prefix || undefined, 'must be an object of messages');
  for (const [name, value] of Object.entries(json)) {
    const key = prefix ? `${prefix}.${name}` : name;
    if (typeof value === 'string') into[key] = value;
    else flatten(file, value, key, into);
  }
  return into;
}

/**
 * Parses a message as ICU MessageFormat (in its language, as IntlMessageFormat would); a message that does
 * not parse throws a CatalogError. Tags are off (`<` is plain text): no message carries markup, links are
 * placeholders the templates fill.
 */
export function parseMessage(file: string, key: string, locale: Intl.Locale, message: string): MessageFormatElement[] {
  try {
    return parse(message, { ignoreTag: true, locale });
  } catch (error) {
    throw new CatalogError(file, key, `does not parse as ICU MessageFormat (${(error as Error).message})`);
  }
}

/** The names of a message's arguments ({name}, {count, plural, …}), sorted: two translations must use the same. */
export function placeholdersOf(message: string | MessageFormatElement[]): string[] {
  const names = new Set<string>();
  const walk = (elements: MessageFormatElement[]) => {
    for (const element of elements) {
      if (element.type === TYPE.literal || element.type === TYPE.pound) continue;
      names.add(element.value);
      if (element.type === TYPE.plural || element.type === TYPE.select) for (const option of Object.values(element.options)) walk(option.value);
    }
  };
  walk(typeof message === 'string' ? parse(message, { ignoreTag: true }) : message);
  return [...names].sort();
}
