package io.deliveryledger.sink;

import com.clickhouse.client.api.DataStreamWriter;
import com.clickhouse.client.api.serde.DataSerializationException;
import io.deliveryledger.analytics.AddressClassifier;
import io.deliveryledger.analytics.AddressClassifier.AddressClassification;
import io.deliveryledger.event.StatusEvent;
import io.deliveryledger.sink.Batch.Positioned;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static java.util.Objects.requireNonNull;

/**
 * Status events as ClickHouse's {@code RowBinaryWithNamesAndTypes}, written straight from the records.
 * The JDBC driver's binary path boxed, converted and looked up a serializer for each of the 22 values
 * of every row, a tenth of the service's CPU in the full pipeline's profile (bench/README.md, "Where the
 * time goes"). The header names every column with its type, so ClickHouse matches them to the table by
 * name and refuses a type that does not fit rather than read the bytes wrongly.
 */
final class StatusEventRowBinary
{
    private static final String TIME = "DateTime64(3, 'UTC')";
    private static final String LOW_CARDINALITY = "LowCardinality(String)";
    private static final String MAP = "Map(String, String)";
    private static final int EVENT_ID_BYTES = 32;
    private static final int FLUSH_BYTES = 64 * 1024;

    /** Every column of status_events, in the order {@link #writeRow} writes them. */
    private static final List<Map.Entry<String, String>> COLUMNS = List.of(
            Map.entry("event_id", "FixedString(" + EVENT_ID_BYTES + ")"),
            Map.entry("received_at", TIME),
            Map.entry("event_time", TIME),
            Map.entry("inserted_at", TIME),
            Map.entry("source", LOW_CARDINALITY),
            Map.entry("direction", LOW_CARDINALITY),
            Map.entry("account_sid", LOW_CARDINALITY),
            Map.entry("message_sid", "String"),
            Map.entry("messaging_service_sid", LOW_CARDINALITY),
            Map.entry("status", LOW_CARDINALITY),
            Map.entry("status_rank", "UInt8"),
            Map.entry("error_code", "Nullable(UInt32)"),
            Map.entry("from_address", "String"),
            Map.entry("to_address", "String"),
            Map.entry("api_version", LOW_CARDINALITY),
            Map.entry("idempotency_token", "String"),
            Map.entry("journal_position", "UInt64"),
            Map.entry("tags", MAP),
            Map.entry("parameters", MAP),
            Map.entry("country", LOW_CARDINALITY),
            Map.entry("number_type", LOW_CARDINALITY),
            Map.entry("channel", LOW_CARDINALITY));

    private final AddressClassifier classifier;

    StatusEventRowBinary(AddressClassifier classifier)
    {
        this.classifier = requireNonNull(classifier, "classifier is null");
    }

    /**
     * The body of one insert. It can be written again (the client may send a request twice), and writes
     * the same bytes each time.
     *
     * @throws DataSerializationException (from {@code onOutput}) when a value cannot be a value of its column
     */
    DataStreamWriter rows(List<Positioned<StatusEvent>> events, Instant insertedAt)
    {
        long insertedAtMillis = insertedAt.toEpochMilli();
        return output -> {
            Buffer buffer = new Buffer(output);
            buffer.varint(COLUMNS.size());
            COLUMNS.forEach(column -> buffer.string(column.getKey()));
            COLUMNS.forEach(column -> buffer.string(column.getValue()));
            for (Positioned<StatusEvent> positioned : events) {
                writeRow(buffer, positioned, insertedAtMillis);
                buffer.flushIfFull();
            }
            buffer.flush();
        };
    }

    private void writeRow(Buffer buffer, Positioned<StatusEvent> positioned, long insertedAtMillis)
    {
        StatusEvent event = positioned.record();
        // Here, because every event reaches ClickHouse through this insert, whatever its source.
        AddressClassification classification = classifier.classify(event);
        buffer.fixedString(event.eventId(), EVENT_ID_BYTES);
        buffer.int64(event.receivedAt().toEpochMilli());
        buffer.int64(event.eventTime().toEpochMilli());
        buffer.int64(insertedAtMillis);
        buffer.string(event.source().columnValue());
        buffer.string(event.direction());
        buffer.string(event.accountSid());
        buffer.string(event.messageSid());
        buffer.string(event.messagingServiceSid().orElse(""));
        buffer.string(event.status().wireName());
        buffer.uint8(event.status().rank());
        if (event.errorCode().isPresent()) {
            buffer.uint8(0);
            buffer.uint32(event.errorCode().getAsInt());
        }
        else {
            buffer.uint8(1);
        }
        buffer.string(event.from());
        buffer.string(event.to());
        buffer.string(event.apiVersion().orElse(""));
        buffer.string(event.idempotencyToken().orElse(""));
        buffer.int64(positioned.position());
        buffer.map(event.tags());
        buffer.map(event.parameters());
        buffer.string(classification.country());
        buffer.string(classification.numberType());
        buffer.string(classification.channel());
    }

    /** RowBinary's encodings (little-endian numbers, LEB128 lengths) into a buffer flushed in large writes. */
    private static final class Buffer
    {
        private final OutputStream output;
        private byte[] bytes = new byte[FLUSH_BYTES * 2];
        private int size;

        Buffer(OutputStream output)
        {
            this.output = output;
        }

        void uint8(int value)
        {
            if (value < 0 || value > 0xFF) {
                throw new DataSerializationException("Value " + value + " does not fit UInt8");
            }
            ensure(1);
            bytes[size++] = (byte) value;
        }

        void uint32(int value)
        {
            if (value < 0) {
                throw new DataSerializationException("Value " + value + " does not fit UInt32");
            }
            ensure(4);
            for (int shift = 0; shift < 32; shift += 8) {
                bytes[size++] = (byte) (value >>> shift);
            }
        }

        /** Int64, UInt64 (journal positions are never negative) and DateTime64 in milliseconds. */
        void int64(long value)
        {
            ensure(8);
            for (int shift = 0; shift < 64; shift += 8) {
                bytes[size++] = (byte) (value >>> shift);
            }
        }

        void varint(long value)
        {
            ensure(10);
            long rest = value;
            while ((rest & ~0x7FL) != 0) {
                bytes[size++] = (byte) ((rest & 0x7F) | 0x80);
                rest >>>= 7;
            }
            bytes[size++] = (byte) rest;
        }

        void string(String value)
        {
            // Most values are ASCII: copied while they are checked, and encoded only when they are not.
            int start = size;
            int length = value.length();
            varint(length);
            ensure(length);
            for (int index = 0; index < length; index++) {
                char character = value.charAt(index);
                if (character >= 0x80) {
                    size = start;
                    byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
                    varint(utf8.length);
                    ensure(utf8.length);
                    System.arraycopy(utf8, 0, bytes, size, utf8.length);
                    size += utf8.length;
                    return;
                }
                bytes[size + index] = (byte) character;
            }
            size += length;
        }

        void fixedString(String value, int length)
        {
            if (value.length() != length || !isAscii(value)) {
                throw new DataSerializationException("'" + value + "' is not " + length + " ASCII characters, as FixedString(" + length + ") takes here");
            }
            ensure(length);
            for (int index = 0; index < length; index++) {
                bytes[size++] = (byte) value.charAt(index);
            }
        }

        void map(Map<String, String> map)
        {
            varint(map.size());
            map.forEach((key, value) -> {
                string(key);
                string(value);
            });
        }

        void flushIfFull()
                throws IOException
        {
            if (size >= FLUSH_BYTES) {
                flush();
            }
        }

        void flush()
                throws IOException
        {
            output.write(bytes, 0, size);
            size = 0;
        }

        private static boolean isAscii(String value)
        {
            for (int index = 0; index < value.length(); index++) {
                if (value.charAt(index) >= 0x80) {
                    return false;
                }
            }
            return true;
        }

        private void ensure(int more)
        {
            if (size + more > bytes.length) {
                byte[] larger = new byte[Math.max(bytes.length * 2, size + more)];
                System.arraycopy(bytes, 0, larger, 0, size);
                bytes = larger;
            }
        }
    }
}
