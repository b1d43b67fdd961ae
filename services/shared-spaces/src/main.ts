import { runProcess } from '@liyuan/kit';
import { loadConfig } from './config';
import { startSharedSpaces } from './service';

// Process entry: load config, start, stop cleanly on SIGTERM / SIGINT.
void runProcess(() => startSharedSpaces(loadConfig()));
