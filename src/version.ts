import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
// Works from src/ (tsx, tests) and from dist/: package.json is one level up from both.
export const toolVersion: string = (require('../package.json') as { version: string }).version;
