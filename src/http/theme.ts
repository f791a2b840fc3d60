import { lstatSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, extname, isAbsolute, join, posix, relative, sep } from 'node:path';
import vm from 'node:vm';
import { Eta, EtaFileResolutionError } from 'eta';
import { ConfigError } from '../config/load.js';

type EtaOptions = ConstructorParameters<typeof Eta>[0];

/** The folders of views/ a theme may override, and the one stylesheet it may add. */
const TEMPLATE_FOLDERS = ['pages', 'partials', 'mail'] as const;
export const THEME_STYLESHEET = 'theme.css';

/**
 * An operator's theme folder (THEME_DIR), as Keycloak themes: `pages/`, `partials/` and `mail/` hold
 * templates that replace views/ files of the same name (or, in partials/, add new ones a themed
 * template includes), and `theme.css` is served as /assets/theme.css after the base stylesheet.
 * Read once at start; only regular files inside the folder count (symbolic links are refused, so no
 * path can lead out of it).
 */
export interface Theme {
  dir: string;
  /** Template paths relative to the folder, posix style: `pages/login.eta`. */
  templates: Set<string>;
  stylesheet?: Buffer;
}

/** A theme that cannot be used: the message names the file (and line, when known). Stops the start. */
export class ThemeError extends ConfigError {}

function listTemplates(themeDir: string, viewsDir: string): Set<string> {
  const templates = new Set<string>();
  for (const folder of TEMPLATE_FOLDERS) {
    let entries: string[];
    try {
      entries = readdirSync(join(themeDir, folder));
    } catch {
      continue;
    }
    for (const name of entries) {
      const path = `${folder}/${name}`;
      const stat = lstatSync(join(themeDir, folder, name));
      if (!stat.isFile()) throw new ThemeError(`THEME_DIR: ${path} is not a regular file (symbolic links and folders are not followed)`);
      if (!name.endsWith('.eta')) throw new ThemeError(`THEME_DIR: ${path} is not a template (.eta)`);
      // A page or mail that replaces nothing is a typo the operator would not otherwise notice.
      if (folder !== 'partials' && !exists(join(viewsDir, folder, name))) throw new ThemeError(`THEME_DIR: ${path} replaces no template (see views/${folder}/ for the names)`);
      templates.add(path);
    }
  }
  return templates;
}

function exists(path: string): boolean {
  try {
    return lstatSync(path).isFile();
  } catch {
    return false;
  }
}

/** Reads THEME_DIR and checks every template in it compiles and includes only templates that exist. */
export function loadTheme(themeDir: string, viewsDir: string): Theme {
  let dir: string;
  try {
    dir = realpathSync(themeDir);
    if (!lstatSync(dir).isDirectory()) throw new Error('not a folder');
  } catch {
    throw new ThemeError(`THEME_DIR: ${themeDir} is not a readable folder`);
  }
  const templates = listTemplates(dir, viewsDir);
  const stylesheetPath = join(dir, THEME_STYLESHEET);
  let stylesheet: Buffer | undefined;
  if (exists(stylesheetPath)) stylesheet = readFileSync(stylesheetPath);
  else if (readdirSync(dir).includes(THEME_STYLESHEET)) throw new ThemeError(`THEME_DIR: ${THEME_STYLESHEET} is not a regular file`);
  const theme = { dir, templates, stylesheet };
  checkTemplates(theme, viewsDir);
  return theme;
}

/**
 * An Eta engine over views/ in which a theme's templates win. Names resolve as Eta would (relative
 * to the including template), then map onto the theme when it holds that file, else onto views/;
 * a name that leads outside views/ is refused, whichever folder the including template came from.
 */
export function themedEta(options: EtaOptions & { views: string }, theme?: Theme): Eta {
  const eta = new Eta(options);
  if (!theme) return eta;
  const viewsDir = options.views;
  const extension = options.defaultExtension ?? '.eta';
  eta.resolvePath = (templatePath: string, resolveOptions?: { filepath?: string }) => {
    const file = templatePath + (extname(templatePath) ? '' : extension);
    const base = resolveOptions?.filepath;
    const baseRelative = base ? relative(base.startsWith(theme.dir + sep) ? theme.dir : viewsDir, dirname(base)).split(sep).join('/') : '';
    const name = posix.normalize(/^[/\\]/.test(file) || !base ? file.replace(/^[/\\]+/, '') : posix.join(baseRelative, file));
    if (name.startsWith('..') || isAbsolute(name)) throw new EtaFileResolutionError(`Template '${templatePath}' is not in the views directory`);
    return theme.templates.has(name) ? join(theme.dir, name) : join(viewsDir, name);
  };
  return eta;
}

/** The template line a V8 syntax error points at, found by the code V8 quotes from the compiled function. */
function lineOfSyntaxError(source: string, error: Error): number | undefined {
  const quoted = error.stack?.split('\n')[1]?.trim();
  if (!quoted) return undefined;
  const code = quoted.replace(/^__eta\.res\+=__eta\.e\((.*)\);$/, '$1').replace(/^__eta\.res\+=(.*);$/, '$1');
  const index = code ? source.indexOf(code) : -1;
  return index >= 0 ? source.slice(0, index).split('\n').length : undefined;
}

/**
 * Compiles every theme template, and resolves every `layout(…)`, `include(…)` or `includeAsync(…)`
 * with a literal name: a syntax error or an unknown partial stops the start with the file and line,
 * instead of an error page at someone's first visit.
 */
function checkTemplates(theme: Theme, viewsDir: string) {
  const eta = themedEta({ views: viewsDir, autoEscape: true, defaultExtension: '.eta' }, theme);
  for (const name of theme.templates) {
    const path = join(theme.dir, name);
    const source = readFileSync(path, 'utf8');
    let compiled: string;
    try {
      compiled = eta.compileToString(source);
    } catch (error) {
      // Eta's own parse errors ("unclosed tag at line 3 col 5") already say where.
      throw new ThemeError(`THEME_DIR: ${name}: ${(error as Error).message.split('\n')[0]}`);
    }
    try {
      new vm.Script(`(function (it, options) {\n${compiled}\n})`, { filename: name });
    } catch (error) {
      const line = lineOfSyntaxError(source, error as Error);
      throw new ThemeError(`THEME_DIR: ${name}${line ? `:${line}` : ''}: ${(error as Error).message}`);
    }
    for (const match of source.matchAll(/\b(?:layout|include|includeAsync)\(\s*(['"`])([^'"`]+)\1/g)) {
      const line = source.slice(0, match.index).split('\n').length;
      try {
        const target = eta.resolvePath!(match[2], { filepath: path });
        if (!exists(target)) throw new Error(`no template ${match[2]}`);
      } catch {
        throw new ThemeError(`THEME_DIR: ${name}:${line}: includes '${match[2]}', which is neither in the theme nor in views/`);
      }
    }
  }
}
