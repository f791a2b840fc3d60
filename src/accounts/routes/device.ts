import { msg, type Msg } from '../../i18n/catalogs.js';

/**
 * A short, human name for a browser from its User-Agent ("Firefox on Windows"). Only for showing a
 * person their own sessions; the full string is shown beside it. Unknown agents are shown as such.
 * A message (catalog keys device.*): the word between browser and system is the language's.
 */

export function describeDevice(userAgent: string | null): Msg {
  if (!userAgent) return msg('device.unknown');
  const browsers: [RegExp, string][] = [
    [/Edg\//, 'Edge'],
    [/OPR\//, 'Opera'],
    [/Firefox\//, 'Firefox'],
    [/Chrom(e|ium)\//, 'Chrome'],
    [/Safari\//, 'Safari'],
  ];
  const systems: [RegExp, string][] = [
    [/Android/, 'Android'],
    [/iPhone|iPad|iPod/, 'iOS'],
    [/Windows/, 'Windows'],
    [/Mac OS X|Macintosh/, 'macOS'],
    [/CrOS/, 'ChromeOS'],
    [/Linux/, 'Linux'],
  ];
  const browser = browsers.find(([pattern]) => pattern.test(userAgent))?.[1];
  const system = systems.find(([pattern]) => pattern.test(userAgent))?.[1];
  if (browser && system) return msg('device.browserOnSystem', { browser, system });
  return browser ?? system ? msg('device.named', { name: browser ?? system }) : msg('device.other');
}
