// `rivulet status --json` as an operator runs it: the built command, with the pipeline's prefix.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { GroupStatus, StatusReport } from '@rivulet/cli';

const bin = fileURLToPath(new URL('../../../packages/cli/bin/rivulet.js', import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One report; `--sample 0s` skips the rate sample, which this test does not read. */
export const rivuletStatus = (topicPrefix: string): Promise<StatusReport> =>
  new Promise((resolve, reject) => {
    execFile(process.execPath, [bin, 'status', '--json', '--sample', '0s'], {
      env: { ...process.env, KAFKA_TOPIC_PREFIX: topicPrefix, LOG_LEVEL: 'silent' }, timeout: 30_000, maxBuffer: 16 * 1024 * 1024,
    }, (error, stdout, stderr) => {
      // Exit code 1 only says a backing service is down; the report is printed all the same.
      try {
        resolve(JSON.parse(stdout) as StatusReport);
      } catch {
        reject(new Error(`rivulet status --json printed no report (${error?.message ?? 'exit 0'}): ${stderr}`));
      }
    });
  });

/** A group's members as `clientId: partitions of topic`, in a stable order, for assertions and diagnostics. */
export const membership = (group: GroupStatus | undefined, topic: string): { clientId: string; partitions: number[] }[] =>
  (group?.members ?? [])
    .map(({ clientId, assignment }) => ({ clientId, partitions: assignment.filter((entry) => entry.topic === topic).flatMap((entry) => entry.partitions).sort((a, b) => a - b) }))
    .sort((left, right) => left.clientId.localeCompare(right.clientId));

export const describeMembership = (group: GroupStatus | undefined, topic: string): string =>
  group === undefined ? 'no group' : `${group.state}: ${membership(group, topic).map(({ clientId, partitions }) => `${clientId} [${partitions.join(',')}]`).join(', ') || 'no members'}`;

/**
 * Takes reports until `accept` holds for the group `pick` finds, and returns that group; fails after
 * `timeoutMs` naming the last state seen. Every distinct state on the way is passed to `seen`.
 */
export const waitForGroup = async (topicPrefix: string, { pick, accept, topic, what, timeoutMs = 60_000, seen }: {
  pick: (report: StatusReport) => GroupStatus | undefined;
  accept: (group: GroupStatus) => boolean;
  topic: string;
  what: string;
  timeoutMs?: number;
  seen?: (description: string) => void;
}): Promise<GroupStatus> => {
  const deadline = Date.now() + timeoutMs;
  let last = 'no report yet';
  for (;;) {
    const group = pick(await rivuletStatus(topicPrefix));
    const description = describeMembership(group, topic);
    if (description !== last) seen?.(description);
    last = description;
    if (group !== undefined && accept(group)) return group;
    if (Date.now() > deadline) throw new Error(`rivulet status never showed ${what} within ${timeoutMs} ms; last: ${last}`);
    await sleep(250);
  }
};
