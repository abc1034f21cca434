import { chmod, mkdtemp } from 'node:fs/promises';
import path from 'node:path';
import pino from 'pino';
import { loadConfig } from './src/config/config.js';
import { startPlatform } from './src/platform.js';
import { generateDatabases } from './bench/generate-databases.js';

const dataDir = await mkdtemp(path.join('/tmp', 'speed-lab-'));
await chmod(dataDir, 0o755);
const config = loadConfig({ ...process.env, DBTOOLS_DATA_DIR: dataDir, DBTOOLS_DEMO_PASSWORD: 'x', DBTOOLS_CONFIG: '', LOG_LEVEL: 'warn' });
const platform = await startPlatform(config, { durable: false, log: pino({ level: 'warn' }) });
const started = Date.now();
await generateDatabases(platform.app.metabase, platform.embeddedServer!.id, 1_000_000);
console.log(JSON.stringify({ dataDir, host: platform.cluster!.socketDir, port: platform.cluster!.port, user: platform.cluster!.superuser, s: (Date.now() - started) / 1000 }));
process.on('SIGTERM', () => void platform.close().then(() => process.exit(0)));
setInterval(() => undefined, 1 << 30);
