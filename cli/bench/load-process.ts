// Entry point of the benchmark's load process (forked by load-client.ts): runs each command it is sent and answers
// with the outcome and its own CPU time and memory. It exits when the bench goes away.
import 'reflect-metadata';
import type { LoadOutcomes, LoadReply, LoadRequest, ProcessUsage } from './load-client.ts';
import { PhoneFleet } from './phone-fleet.ts';
import { StoreLoad } from './store-load.ts';
import { runBulkJob } from './bulk-load.ts';

const fleet = new PhoneFleet();
const storeLoad = new StoreLoad();

async function execute(request: LoadRequest): Promise<LoadOutcomes[LoadRequest['type']]> {
  switch (request.type) {
    case 'make-keys':
      return { keys: await fleet.makeKeys(request.keyType, request.phones) };
    case 'enrol':
      return fleet.enrol(request.target, request.deviceNames, request.timeoutMs, request.concurrency);
    case 'park':
      return fleet.park(request.target, request.count, request.inFlight, request.timeoutMs);
    case 'unpark':
      return { closed: fleet.unpark() };
    case 'store':
      return storeLoad.run(request.request);
    case 'bulk':
      return runBulkJob(request.request);
    case 'usage':
      return {};
  }
}

function usage(): ProcessUsage {
  const cpu = process.cpuUsage();
  return { rssBytes: process.memoryUsage.rss(), cpuMicros: cpu.user + cpu.system };
}

process.on('message', (request: LoadRequest) => {
  execute(request).then(
    (outcome) => process.send?.({ id: request.id, ok: true, outcome, usage: usage() } satisfies LoadReply),
    (error: unknown) => process.send?.({ id: request.id, ok: false, error: error instanceof Error ? error.message : String(error), usage: usage() } satisfies LoadReply),
  );
});
process.on('disconnect', () => process.exit(0));
