/**
 * One POST /api/parse, run on a worker thread: even linear, a 16 MiB capture
 * of small sockets takes seconds to parse, and on the event loop that would
 * stall every other request and stream for as long. It hands back the reply
 * already serialized, so the event loop only copies a string.
 */
import { parentPort, workerData } from 'node:worker_threads';

import { parseText } from '../parse-command.js';

export interface ParseJob {
  format: Parameters<typeof parseText>[0];
  text: string;
  userHz: number;
}

/** At most the first thousand problems: a wrong format would list every line. */
const MAX_ISSUES = 1000;

const job = workerData as ParseJob;
const { connections, issues } = parseText(job.format, job.text, job.userHz);
parentPort?.postMessage(JSON.stringify({ connections, issues: issues.slice(0, MAX_ISSUES), issueCount: issues.length }));
