import { runProcess } from '@liyuan/kit';
import { loadConfig } from './config';
import { startGateway } from './gateway';

// Process entry: load config, start, stop cleanly on SIGTERM / SIGINT.
void runProcess(() => startGateway(loadConfig()));
