/**
 * Whether a path is one of the console's pages (its errors are HTML pages, not problem+json): /admin
 * and below, except the admin API (/admin/api and below).
 */
export const isConsolePage = (path: string) => path === '/admin' || (path.startsWith('/admin/') && path !== '/admin/api' && !path.startsWith('/admin/api/'));
