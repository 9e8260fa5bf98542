#!/usr/bin/env python3
"""Read Rivulet topics as a data team's own consumer would: librdkafka (confluent-kafka) and the
registry's Avro deserializer, with nothing of Rivulet's code.

Each topic is read from its first offset to the end offsets captured at start, then the script
stops: records written later are ignored and it never waits for more. One JSON line per record on
stdout; problems on stderr. Exit codes: 0 all decoded, 1 bad arguments or topic missing,
2 some record could not be decoded (each one named), 3 the overall timeout ran out.

    python consume_all.py --bootstrap-servers 127.0.0.1:9092 \
        --registry-url http://127.0.0.1:8081/apis/ccompat/v7 --topic-prefix "" \
        rivulet.chat.requests rivulet.usage
"""
import argparse
import base64
import datetime
import decimal
import json
import sys
import time
import uuid

from confluent_kafka import Consumer, KafkaError, TopicPartition
from confluent_kafka.schema_registry import SchemaRegistryClient, record_subject_name_strategy
from confluent_kafka.schema_registry.avro import AvroDeserializer
from confluent_kafka.serialization import MessageField, SerializationContext

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def plain(value):
    """A decoded Avro value as JSON-serialisable data. fastavro turns `timestamp-millis` into a
    datetime; it goes back to epoch milliseconds, as Rivulet's own (avsc) consumers see it."""
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode('ascii')
    if isinstance(value, datetime.datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=datetime.timezone.utc)
        return (moment - EPOCH) // datetime.timedelta(milliseconds=1)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    return value


def key_text(key):
    if key is None:
        return None, None
    try:
        return key.decode('utf-8'), 'utf8'
    except UnicodeDecodeError:
        return key.hex(), 'hex'


def schema_id_of(data):
    """The schema id in the Confluent framing (magic byte 0, 4-byte big-endian id), or None."""
    if not data or len(data) < 5 or data[0] != 0:
        return None
    return int.from_bytes(data[1:5], 'big')


def record_name_of(registry, schema_id):
    """The full name of the writer schema's record. The registry client caches the schema the
    deserializer fetched, so this costs no extra request."""
    schema = json.loads(registry.get_schema(schema_id).schema_str)
    if not isinstance(schema, dict) or 'name' not in schema:
        return None
    name, namespace = schema['name'], schema.get('namespace')
    return name if '.' in name or not namespace else f'{namespace}.{name}'


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--bootstrap-servers', required=True)
    parser.add_argument('--registry-url', required=True, help='Confluent-compatible API, e.g. .../apis/ccompat/v7')
    parser.add_argument('--topic-prefix', default='', help='KAFKA_TOPIC_PREFIX of the deployment')
    parser.add_argument('--timeout', type=float, default=120.0, help='overall seconds before giving up')
    parser.add_argument('topics', nargs='+', help='topic names without the prefix')
    options = parser.parse_args()
    deadline = time.monotonic() + options.timeout

    registry = SchemaRegistryClient({'url': options.registry_url})
    # Rivulet registers one subject per record name (RecordNameStrategy), not `<topic>-value`.
    deserializer = AvroDeserializer(registry, conf={'subject.name.strategy': record_subject_name_strategy})
    consumer = Consumer({
        'bootstrap.servers': options.bootstrap_servers,
        'group.id': f'rivulet-python-reader-{uuid.uuid4().hex}',  # assign() only; nothing is committed
        'enable.auto.commit': False,
        'enable.partition.eof': True,
    })

    # End offsets captured once, before reading: the script reads what was there when it started.
    assignment, remaining = [], {}
    for name in options.topics:
        topic = options.topic_prefix + name
        metadata = consumer.list_topics(topic, timeout=max(1.0, deadline - time.monotonic())).topics.get(topic)
        if metadata is None or metadata.error is not None:
            print(f'topic {topic} does not exist: {metadata.error if metadata else "no metadata"}', file=sys.stderr)
            return 1
        for partition in sorted(metadata.partitions):
            low, high = consumer.get_watermark_offsets(TopicPartition(topic, partition), timeout=10.0)
            if high > low:
                assignment.append(TopicPartition(topic, partition, low))
                remaining[(topic, partition)] = high
    if assignment:
        consumer.assign(assignment)

    failures, decoded = [], 0
    try:
        while remaining:
            if time.monotonic() > deadline:
                unfinished = ', '.join(f'{topic}[{partition}] (end {end})' for (topic, partition), end in sorted(remaining.items()))
                print(f'timed out after {options.timeout} s; not read to the end: {unfinished}', file=sys.stderr)
                return 3
            message = consumer.poll(0.5)
            if message is None:
                continue
            where = (message.topic(), message.partition())
            if message.error() is not None:
                if message.error().code() == KafkaError._PARTITION_EOF:
                    # EOF at or past the captured end: transaction markers or compaction can leave
                    # the last offsets without a record.
                    if where in remaining and message.offset() >= remaining[where]:
                        del remaining[where]
                    continue
                print(f'consumer error: {message.error()}', file=sys.stderr)
                if not message.error().retriable():
                    return 1
                continue
            end = remaining.get(where)
            if end is None or message.offset() >= end:
                continue
            if message.offset() >= end - 1:
                del remaining[where]
                consumer.incremental_unassign([TopicPartition(*where)])
            raw = message.value()
            record_name, schema_id, value = None, None, None
            try:
                schema_id = schema_id_of(raw)
                context = SerializationContext(message.topic(), MessageField.VALUE, message.headers())
                value = plain(deserializer(raw, context))
                record_name = None if schema_id is None else record_name_of(registry, schema_id)
            except Exception as error:  # any failure to decode is reported with the record it hit
                failures.append(f'{message.topic()}[{message.partition()}]@{message.offset()}')
                print(f'cannot decode {message.topic()} partition {message.partition()} offset {message.offset()}'
                      f' (schema id {schema_id}): {type(error).__name__}: {error}', file=sys.stderr)
                continue
            key, key_encoding = key_text(message.key())
            print(json.dumps({
                'topic': message.topic(), 'partition': message.partition(), 'offset': message.offset(),
                'key': key, 'keyEncoding': key_encoding, 'schemaId': schema_id, 'recordName': record_name,
                'value': value,
            }, ensure_ascii=False), flush=True)
            decoded += 1
    finally:
        consumer.close()

    print(f'decoded {decoded} record(s) from {len(options.topics)} topic(s); {len(failures)} failed', file=sys.stderr)
    if failures:
        print(f'undecodable: {", ".join(failures)}', file=sys.stderr)
        return 2
    return 0


if __name__ == '__main__':
    sys.exit(main())
