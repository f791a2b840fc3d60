import { CookieJar } from 'tough-cookie';

export interface Page {
  status: number;
  url: string;
  headers: Headers;
  body: string;
}

/**
 * A cookie-keeping HTTP user agent for driving the hosted pages without a browser. It follows
 * redirects itself so it can stop at the relying party's redirect URI, which no server answers.
 */
export class UserAgent {
  readonly jar = new CookieJar();

  constructor(private readonly stopAt?: string) {}

  async request(url: string, init: { method?: string; form?: Record<string, string>; headers?: Record<string, string> } = {}): Promise<Page> {
    let current = new URL(url);
    let method = init.method ?? (init.form ? 'POST' : 'GET');
    let body: string | undefined = init.form ? new URLSearchParams(init.form).toString() : undefined;
    for (let hop = 0; hop < 20; hop += 1) {
      if (this.stopAt && current.href.startsWith(this.stopAt)) {
        return { status: 0, url: current.href, headers: new Headers(), body: '' };
      }
      const headers: Record<string, string> = { accept: 'text/html', ...init.headers };
      const cookie = await this.jar.getCookieString(current.href);
      if (cookie) headers.cookie = cookie;
      if (body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
      const response = await fetch(current, { method, headers, body, redirect: 'manual' });
      for (const setCookie of response.headers.getSetCookie()) await this.jar.setCookie(setCookie, current.href);
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        await response.arrayBuffer();
        current = new URL(location, current);
        method = 'GET';
        body = undefined;
        continue;
      }
      return { status: response.status, url: current.href, headers: response.headers, body: await response.text() };
    }
    throw new Error('too many redirects');
  }

  /** The value of a hidden form field in a page. */
  static field(page: Page, name: string): string {
    const match = new RegExp(`name="${name}" value="([^"]*)"`).exec(page.body);
    if (!match) throw new Error(`no field ${name} in page ${page.url} (status ${page.status})`);
    return match[1];
  }

  /** The action of the first form whose action contains `fragment`. */
  static action(page: Page, fragment: string): string {
    const match = new RegExp(`action="([^"]*${fragment}[^"]*)"`).exec(page.body);
    if (!match) throw new Error(`no form posting to ${fragment} in ${page.url}`);
    return new URL(match[1].replaceAll('&amp;', '&'), page.url).href;
  }
}
