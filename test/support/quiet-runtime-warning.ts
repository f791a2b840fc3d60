// oidc-provider 9 warns once per process that Node 20 is not its preferred runtime; the warning is
// expected here (shared/TOOLCHAIN.md) and would otherwise repeat in every test file's output.
const originalWarn = console.warn;
console.warn = (...args: unknown[]) => {
  if (typeof args[0] === 'string' && args[0].includes('Unsupported runtime')) return;
  originalWarn(...args);
};
