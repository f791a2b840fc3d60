// The PGlite template is prepared in both modes: the PGlite adapter contract runs in both.
// Jest loads global setup as CommonJS, outside its ESM transform, so the TypeScript preparation runs
// in a child process through tsx.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function globalSetup() {
  execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./prepare-pglite-template.mts', import.meta.url))], {
    stdio: 'inherit',
  });
}
