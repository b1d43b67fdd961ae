import { runProcess } from '@liyuan/kit';
import { loadConfig } from './config';
import { startVolunteers } from './service';

// Process entry: load config, start, stop cleanly on SIGTERM / SIGINT.
void runProcess(() => startVolunteers(loadConfig()));
