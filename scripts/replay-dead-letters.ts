import { parseArgs } from 'node:util';
import { createKafka, createLogger, replayDeadLetters } from '@liyuan/kit';
import { loadScriptConfig } from './config';

// `npm run dlq:replay -- --group <consumer group> [--brokers host:port]` re-publishes the group's
// dead letters to their original topics once the cause is fixed.
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { group: { type: 'string' }, brokers: { type: 'string' } },
  });
  if (!values.group) {
    process.stderr.write(
      'usage: npm run dlq:replay -- --group <consumer group> [--brokers host:port]\n',
    );
    process.exit(1);
  }
  const config = loadScriptConfig();
  const brokers = values.brokers?.split(',') ??
    config.kafkaBrokers ?? [`127.0.0.1:${config.kafkaPort}`];
  const logger = createLogger('dlq-replay', config.logLevel);
  const n = await replayDeadLetters(
    createKafka('dlq-replay', brokers, logger),
    values.group,
    logger,
  );
  process.stdout.write(`replayed ${n} dead letter(s) of ${values.group}\n`);
}

void main();
