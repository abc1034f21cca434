import { Command } from 'commander';
import { upgradePlatformOptionsFromEnv } from '../upgrade-platform/options.js';
import { startUpgradePlatform } from '../upgrade-platform/start.js';

/**
 * `dbtools upgrade-platform`: the upgrade platform alone, configured by its environment
 * (README, "The upgrade platform"). Prints the CA of its assigned host's certificate when it made
 * it (`Upgrade platform CA: <file>`), then its URL on one line: `Upgrade platform: <url>`.
 */
export function upgradePlatformCommand(): Command {
  return new Command('upgrade-platform')
    .description('Run the upgrade platform service (its own HTTP API, cluster and worker)')
    .action(async () => {
      const platform = await startUpgradePlatform(upgradePlatformOptionsFromEnv());
      if (platform.caFile) process.stdout.write(`Upgrade platform CA: ${platform.caFile}\n`);
      process.stdout.write(`Upgrade platform: ${platform.url}\n`);
      let stopping = false;
      const stop = async () => {
        if (stopping) return;
        stopping = true;
        await platform.close();
        process.exit(0);
      };
      process.on('SIGINT', () => void stop());
      process.on('SIGTERM', () => void stop());
      // Started by `npm start` as its child: it goes when its parent goes, even a killed one.
      if (process.env.UPGRADE_PLATFORM_EXIT_WITH_PARENT === '1') {
        process.stdin.on('end', () => void stop());
        process.stdin.on('error', () => void stop());
        process.stdin.resume();
      }
    });
}
