package io.deliveryledger.sink;

import com.clickhouse.client.api.DataStreamWriter;
import com.clickhouse.client.api.serde.DataSerializationException;
import io.deliveryledger.analytics.AddressClassifier;
import io.deliveryledger.analytics.AddressClassifier.AddressClassification;
import io.deliveryledger.event.BinaryBuffer;
import io.deliveryledger.event.StatusEvent;
import io.deliveryledger.sink.Batch.Positioned;

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
            // Flushed in large writes.
            BinaryBuffer buffer = new BinaryBuffer(FLUSH_BYTES * 2);
            buffer.writeVarLong(COLUMNS.size());
            COLUMNS.forEach(column -> buffer.writeString(column.getKey()));
            COLUMNS.forEach(column -> buffer.writeString(column.getValue()));
            for (Positioned<StatusEvent> positioned : events) {
                writeRow(buffer, positioned, insertedAtMillis);
                if (buffer.size() >= FLUSH_BYTES) {
                    buffer.moveTo(output);
                }
            }
            buffer.moveTo(output);
        };
    }

    private void writeRow(BinaryBuffer buffer, Positioned<StatusEvent> positioned, long insertedAtMillis)
    {
        StatusEvent event = positioned.record();
        // Here, because every event reaches ClickHouse through this insert, whatever its source.
        AddressClassification classification = classifier.classify(event);
        writeFixedString(buffer, event.eventId(), EVENT_ID_BYTES);
        buffer.writeLongLittleEndian(event.receivedAt().toEpochMilli());
        buffer.writeLongLittleEndian(event.eventTime().toEpochMilli());
        buffer.writeLongLittleEndian(insertedAtMillis);
        buffer.writeString(event.source().columnValue());
        buffer.writeString(event.direction());
        buffer.writeString(event.accountSid());
        buffer.writeString(event.messageSid());
        buffer.writeString(event.messagingServiceSid().orElse(""));
        buffer.writeString(event.status().wireName());
        writeUInt8(buffer, event.status().rank());
        if (event.errorCode().isPresent()) {
            writeUInt8(buffer, 0);
            writeUInt32(buffer, event.errorCode().getAsInt());
        }
        else {
            writeUInt8(buffer, 1);
        }
        buffer.writeString(event.from());
        buffer.writeString(event.to());
        buffer.writeString(event.apiVersion().orElse(""));
        buffer.writeString(event.idempotencyToken().orElse(""));
        buffer.writeLongLittleEndian(positioned.position());
        buffer.writeMap(event.tags());
        buffer.writeMap(event.parameters());
        buffer.writeString(classification.country());
        buffer.writeString(classification.numberType());
        buffer.writeString(classification.channel());
    }

    private static void writeUInt8(BinaryBuffer buffer, int value)
    {
        if (value < 0 || value > 0xFF) {
            throw new DataSerializationException("Value " + value + " does not fit UInt8");
        }
        buffer.writeByte(value);
    }

    private static void writeUInt32(BinaryBuffer buffer, int value)
    {
        if (value < 0) {
            throw new DataSerializationException("Value " + value + " does not fit UInt32");
        }
        buffer.writeIntLittleEndian(value);
    }

    private static void writeFixedString(BinaryBuffer buffer, String value, int length)
    {
        if (value.length() != length || !isAscii(value)) {
            throw new DataSerializationException("'" + value + "' is not " + length + " ASCII characters, as FixedString(" + length + ") takes here");
        }
        buffer.writeAscii(value);
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
}
