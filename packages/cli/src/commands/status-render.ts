// `rivulet status` as text: one section per concern, plain tables that paste into issues.
import { table } from '../output.js';
import type { BreakersSection, ConsumerGroupsSection, GroupStatus, StatusReport, TopicsSection } from './status-report.js';

const number = (value: number | null): string => (value === null ? '-' : String(value));

/** `[0, 1, 2, 4]` as `0-2,4`. */
export const partitionRanges = (partitions: readonly number[]): string => {
  const ranges: string[] = [];
  let start: number | undefined;
  partitions.forEach((partition, index) => {
    start ??= partition;
    const next = partitions[index + 1];
    if (next !== partition + 1) {
      ranges.push(start === partition ? String(partition) : `${start}-${partition}`);
      start = undefined;
    }
  });
  return ranges.join(',');
};

const indent = (text: string, by = '  '): string => text.split('\n').map((line) => by + line).join('\n');

const renderGroup = (group: GroupStatus): string[] => {
  const clientOf = new Map(group.members.map(({ memberId, clientId }) => [memberId, clientId]));
  const members = group.members.length === 1 ? '1 member' : `${group.members.length} members`;
  const lines = [`${group.groupId}  [${group.worker}]  ${group.state}, ${members}, lag ${group.totalLag}`];
  for (const member of group.members) {
    const assigned = member.assignment.map(({ topic, partitions }) => `${topic} ${partitionRanges(partitions)}`).join('; ') || 'no partitions';
    lines.push(`  member ${member.clientId} (${member.host}): ${assigned}`);
  }
  if (group.error !== null) lines.push(`  committed offsets unreadable: ${group.error}`);
  if (group.partitions.length > 0) {
    lines.push(indent(table([
      ['TOPIC', 'PARTITION', 'COMMITTED', 'END', 'LAG', 'MEMBER'],
      ...group.partitions.map((entry) => [
        entry.topic, String(entry.partition), number(entry.committedOffset), number(entry.endOffset), number(entry.lag),
        entry.memberId === null ? '-' : (clientOf.get(entry.memberId) ?? entry.memberId),
      ]),
    ])));
  }
  return lines;
};

const renderGroups = (section: ConsumerGroupsSection): string[] => {
  if (section.error !== null) return [`unavailable: ${section.error}`];
  if (section.groups.length === 0) return ['no consumer group has read these topics yet (no worker started?)'];
  const lines = [
    table([
      ['WORKER', 'INSTANCES', 'GROUPS', 'LAG'],
      ...section.workers.map((worker) => [worker.worker, String(worker.instances), String(worker.groupIds.length), String(worker.totalLag)]),
    ]),
  ];
  // In full: the workers' groups and any group with members; idle leftovers only counted (--json lists them).
  const idleOther = (group: GroupStatus) => group.worker === 'other' && group.members.length === 0;
  for (const group of section.groups.filter((entry) => !entry.stale && !idleOther(entry))) lines.push('', ...renderGroup(group));
  const summarize = (groups: readonly GroupStatus[], what: string) => {
    if (groups.length === 0) return;
    const shown = groups.slice(0, 3).map(({ groupId }) => groupId).join(', ');
    lines.push('', `${groups.length} ${what}: ${shown}${groups.length > 3 ? ', ...' : ''}`);
  };
  summarize(section.groups.filter(({ stale }) => stale), 'group(s) of stopped ingress instances (no members; Kafka keeps their offsets until they expire; lag not counted)');
  summarize(section.groups.filter(idleOther), 'other group(s) without members (not Rivulet workers: tools, tests)');
  lines.push('', `Total lag of the workers: ${section.totalLag}`);
  return lines;
};

const renderTopics = (section: TopicsSection): string[] => {
  if (section.error !== null) return [`unavailable: ${section.error}`];
  const rate = (value: number | null) => (value === null ? '-' : value.toFixed(1));
  return [
    table([
      ['TOPIC', 'PARTITIONS', 'END OFFSETS', 'RETAINED', 'MSG/S'],
      ...section.topics.map((topic) => topic.exists
        ? [topic.topic, number(topic.partitions), number(topic.endOffsetTotal), number(topic.retained), rate(topic.messagesPerSecond)]
        : [topic.topic, 'missing', '-', '-', '-']),
    ]),
    '',
    ...(section.topics.some(({ exists }) => !exists) ? ['Missing topics are created by `rivulet infra up`.'] : []),
    section.sampleMs > 0 ? `Rates over ${(section.sampleMs / 1000).toFixed(1)} s.` : 'Rates not sampled (--sample 0s).',
    `Dead letters: ${number(section.deadLetter.retained)} retained, ${number(section.deadLetter.total)} ever written, on ${section.deadLetter.topic} (all topics together).`,
  ];
};

const renderBreakers = (section: BreakersSection): string[] => {
  if (section.error !== null) return [`unavailable: ${section.error}`];
  if (section.deployments.length === 0) return ['all closed (no deployment has breaker state)'];
  const lines = section.deployments.every(({ state }) => state === 'closed') ? ['all closed'] : [];
  lines.push(table([
    ['DEPLOYMENT', 'STATE', `FAILURES/REQUESTS (${section.windowMs / 1000} s)`, 'OPEN UNTIL'],
    ...section.deployments.map((entry) => [entry.deployment, entry.state, `${entry.failures}/${entry.requests}`, entry.openUntil ?? '-']),
  ]));
  return lines;
};

export const renderStatus = (report: StatusReport): string => {
  const prefix = report.topicPrefix === '' ? 'no prefix' : `prefix ${report.topicPrefix}`;
  const services = table([
    ['COMPONENT', 'ADDRESS', 'HEALTH', 'DETAIL'],
    ...report.services.map((service) => [service.component, service.address, service.healthy ? 'up' : 'DOWN', service.detail]),
  ]);
  return [
    `Rivulet status at ${report.takenAt} (${prefix})`,
    '', 'Services', indent(services),
    '', 'Consumer groups', indent(renderGroups(report.consumerGroups).join('\n')),
    '', 'Topics', indent(renderTopics(report.topics).join('\n')),
    '', 'Model router breakers', indent(renderBreakers(report.breakers).join('\n')),
  ].join('\n').replace(/[ ]+$/gm, '');
};
