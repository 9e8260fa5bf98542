/** The broker's configuration: one combined broker+controller in KRaft mode, for one machine. */
export const kafkaServerProperties = ({
  kafkaPort,
  controllerPort,
  dataDirectory,
}: {
  kafkaPort: number;
  controllerPort: number;
  dataDirectory: string;
}): string =>
  [
    '# Written by rivulet infra on every start; edit infra/src/kafka-config.ts instead.',
    'process.roles=broker,controller',
    'node.id=1',
    // A static voter set (not --standalone's dynamic quorum): the controller port may change between runs.
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${kafkaPort},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${kafkaPort}`,
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    'inter.broker.listener.name=PLAINTEXT',
    `log.dirs=${dataDirectory}`,
    'num.partitions=1',
    // One broker: every internal topic has one replica.
    'offsets.topic.replication.factor=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    // Topics are created explicitly from @rivulet/schemas' constants; a typo must fail, not create a topic.
    'auto.create.topics.enable=false',
    // Tests and restarts join consumer groups without the default 3 s wait.
    'group.initial.rebalance.delay.ms=0',
    // Documents of up to 25 MB travel as one record.
    'message.max.bytes=26214400',
    'replica.fetch.max.bytes=26214400',
    '',
  ].join('\n');

/**
 * log4j2 (YAML; jackson-dataformat-yaml is on the classpath): warnings from Kafka, plus the
 * line saying it started. `state.change.logger` would log every partition change at INFO.
 */
export const kafkaLog4jYaml = `# Written by rivulet infra; edit infra/src/kafka-config.ts instead.
Configuration:
  Appenders:
    Console:
      name: STDOUT
      PatternLayout:
        pattern: "[%d] %p %m (%c)%n"
  Loggers:
    Root:
      level: INFO
      AppenderRef:
        - ref: STDOUT
    Logger:
      - name: kafka
        level: WARN
      - name: org.apache.kafka
        level: WARN
      - name: state.change.logger
        level: WARN
      - name: kafka.server.KafkaRaftServer
        level: INFO
`;
