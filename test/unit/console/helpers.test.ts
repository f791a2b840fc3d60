import { describe, expect, it } from '@jest/globals';
import { consoleReturnPath } from '../../../src/console/sign-in.js';
import { pageOfAction } from '../../../src/console/guard.js';
import { hourlyBars } from '../../../src/console/overview.js';

describe('admin console helpers', () => {
  it('draws 24 hourly bars, oldest first, scaled to the busiest hour, with empty hours at zero', () => {
    const now = new Date('2026-12-06T15:20:00Z');
    const bars = hourlyBars([
      { hour: new Date('2026-12-06T15:00:00Z'), succeeded: 10, failed: 1 },
      { hour: new Date('2026-12-05T16:00:00Z'), succeeded: 5, failed: 0 },
      { hour: new Date('2026-12-05T15:00:00Z'), succeeded: 99, failed: 99 }, // 24 h ago: outside the window
    ], now);
    expect(bars).toHaveLength(24);
    expect(bars[0]).toMatchObject({ label: '16:00', succeeded: 5, succeededStep: 5, failedStep: 0 });
    expect(bars[23]).toMatchObject({ label: '15:00', succeeded: 10, failed: 1, succeededStep: 10, failedStep: 1 });
    expect(bars[10]).toMatchObject({ succeeded: 0, failed: 0, succeededStep: 0, failedStep: 0 });
  });

  it('returns only to console pages', () => {
    expect(consoleReturnPath('/admin/accounts?q=a')).toBe('/admin/accounts?q=a');
    for (const hostile of ['https://evil.example/admin', '//evil.example/admin', '/admin/api/v1/clients', '/account', '/admin\\\\evil', '/adminx', 42, '/admin' + 'x'.repeat(600)]) {
      expect(consoleReturnPath(hostile)).toBe('/admin');
    }
  });

  it("finds the page an action belongs to, for the step-up's return", () => {
    expect(pageOfAction('/admin/accounts/abc/disable')).toBe('/admin/accounts/abc');
    expect(pageOfAction('/admin/accounts/abc/sessions/xyz/end')).toBe('/admin/accounts/abc');
    expect(pageOfAction('/admin/clients/new')).toBe('/admin/clients');
    expect(pageOfAction('/admin/sign-out')).toBe('/admin');
  });
});
