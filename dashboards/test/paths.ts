import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

/** The dashboards/ folder: tests run as build/test/*.js. */
export const dashboardsRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const repositoryRoot = join(dashboardsRoot, '..');
