// Jest loads global setup as CommonJS, outside its ESM transform, so the TypeScript preparation runs
// in a child process through tsx.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function globalSetup() {
  if (process.env.DATABASE_URL) return;
  execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./prepare-pglite-template.mts', import.meta.url))], {
    stdio: 'inherit',
  });
}
