import path from 'node:path';
import type { App } from '../app.js';

export function dumpsDir(app: App): string {
  return path.join(app.config.dataDir, 'dumps');
}

export function dumpFile(app: App, database: string, dumpId: number): string {
  return path.join(dumpsDir(app), `${database}-${dumpId}.zip`);
}
