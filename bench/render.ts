import { readFileSync } from 'node:fs';
import { renderTable, type Report } from './lib/report.js';

/** Prints the markdown table of a saved result: node --import tsx bench/render.ts bench/results/<file>.json */
const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: bench/render.ts <results.json>\n');
  process.exit(2);
}
process.stdout.write(renderTable(JSON.parse(readFileSync(file, 'utf8')) as Report));
