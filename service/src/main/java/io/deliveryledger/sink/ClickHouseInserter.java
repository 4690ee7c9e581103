package io.deliveryledger.sink;

import io.deliveryledger.analytics.AddressClassifier;
import io.deliveryledger.analytics.AddressClassifier.AddressClassification;
import io.deliveryledger.event.LedgerRecord;
import io.deliveryledger.event.LedgerRecordCodec;
import io.deliveryledger.event.RejectedRequest;
import io.deliveryledger.event.StatusEvent;
import io.deliveryledger.sink.Batch.Positioned;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.argument.Argument;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static java.util.Objects.requireNonNull;

/**
 * Writes one batch into ClickHouse: status events into {@code status_events}, with the country,
 * number type and channel their addresses say (its materialized views maintain the per-message state
 * and the per-minute rollups) and rejected requests into {@code rejected_requests}.
 *
 * <p>Events already stored are skipped: the same callback twice, a Twilio retry, or a batch replayed
 * from the journal after a crash all carry an event id ClickHouse has seen. Each insert also carries a
 * deduplication token derived from the journal positions of its rows, so an insert whose answer was
 * lost and that is sent again is stored once, in the table and in the views it feeds.
 *
 * <p>When ClickHouse refuses rows for their data ({@link InsertFailure#REFUSED_DATA}), the rows are
 * halved until the refused ones are alone; each of those is stored in {@code rejected_requests} with
 * ClickHouse's message and the whole record, and everything else is stored as usual. A batch of n
 * rows with one bad row costs about 2 log2(n) inserts, once.
 */
final class ClickHouseInserter
{
    static final String EVENTS_TABLE = "status_events";
    static final String REJECTED_TABLE = "rejected_requests";
    static final String REFUSED_REASON = "refused_by_clickhouse";
    private static final String REFUSALS = "refused";
    private static final int MAX_DETAIL_LENGTH = 2000;

    // Every column in table order: the driver's binary insert path writes whole rows.
    private static final String INSERT_EVENT = """
            INSERT INTO status_events (event_id, received_at, event_time, inserted_at, source, direction, account_sid, message_sid,
                messaging_service_sid, status, status_rank, error_code, from_address, to_address, api_version,
                idempotency_token, journal_position, tags, parameters, country, number_type, channel)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""";
    private static final String INSERT_REJECTED = """
            INSERT INTO rejected_requests (received_at, inserted_at, endpoint, reason, detail, account_sid, message_sid, url, journal_position, parameters)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""";

    private static final int LOOKUP_CHUNK = 5000;

    private final InsertHandles handles;
    private final Duration duplicateWindow;
    private final Clock clock;
    private final AddressClassifier classifier;
    private final LedgerRecordCodec codec;

    ClickHouseInserter(InsertHandles handles, Duration duplicateWindow, Clock clock, AddressClassifier classifier, LedgerRecordCodec codec)
    {
        this.handles = requireNonNull(handles, "handles is null");
        this.duplicateWindow = requireNonNull(duplicateWindow, "duplicateWindow is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.classifier = requireNonNull(classifier, "classifier is null");
        this.codec = requireNonNull(codec, "codec is null");
    }

    /**
     * What one batch came to: events skipped as already stored, records ClickHouse refused (stored in
     * {@code rejected_requests} instead), and refused records that could not be stored even there.
     */
    record Outcome(int skipped, int refused, List<Refusal> unstorable)
    {
        Outcome
        {
            unstorable = List.copyOf(unstorable);
        }
    }

    /** A journal record ClickHouse refused, with its message. */
    record Refusal(long position, LedgerRecord record, String message)
    {
        Refusal
        {
            requireNonNull(record, "record is null");
            requireNonNull(message, "message is null");
        }
    }

    /**
     * Inserts the batch. Throws when an insert fails for any reason but the data: the whole batch is
     * then tried again, and the tokens keep what was stored already from being stored twice.
     */
    Outcome insert(Batch batch)
    {
        Timestamp insertedAt = Timestamp.from(clock.instant());
        List<Refusal> refusals = new ArrayList<>();
        // Rejected requests first: once a batch's events are visible, everything before them is stored.
        insertSplitting(batch, REJECTED_TABLE, batch.rejectedRequests(), (handle, rows) -> insertRejected(handle, rows, insertedAt), refusals);
        List<Positioned<StatusEvent>> fresh = withoutCopiesInBatch(batch.events());
        if (!fresh.isEmpty() && !duplicateWindow.isZero()) {
            try (Handle handle = handles.open(batch.deduplicationToken(EVENTS_TABLE, fresh))) {
                fresh = withoutStoredEvents(handle, fresh);
            }
        }
        insertSplitting(batch, EVENTS_TABLE, fresh, (handle, rows) -> insertEvents(handle, rows, insertedAt), refusals);
        List<Refusal> unstorable = new ArrayList<>();
        List<Positioned<RejectedRequest>> set = refusals.stream().map(refusal -> new Positioned<>(refusal.position(), setAside(refusal))).toList();
        insertSplitting(batch, REJECTED_TABLE + ":" + REFUSALS, set, (handle, rows) -> insertRejected(handle, rows, insertedAt), unstorable);
        return new Outcome(batch.events().size() - fresh.size(), refusals.size(), unstorable);
    }

    /**
     * Inserts {@code rows} with one insert; when ClickHouse refuses them for their data, inserts each
     * half the same way, down to single rows, which are added to {@code refusals}.
     */
    private <T extends LedgerRecord> void insertSplitting(Batch batch, String tokenTable, List<Positioned<T>> rows, RowsInsert<T> insert, List<Refusal> refusals)
    {
        if (rows.isEmpty()) {
            return;
        }
        try (Handle handle = handles.open(batch.deduplicationToken(tokenTable, rows))) {
            insert.insert(handle, rows);
        }
        catch (RuntimeException e) {
            if (InsertFailure.classify(e) == InsertFailure.RETRYABLE) {
                throw e;
            }
            if (rows.size() == 1) {
                refusals.add(new Refusal(rows.get(0).position(), rows.get(0).record(), rootMessage(e)));
                return;
            }
            int half = rows.size() / 2;
            insertSplitting(batch, tokenTable, rows.subList(0, half), insert, refusals);
            insertSplitting(batch, tokenTable, rows.subList(half, rows.size()), insert, refusals);
        }
    }

    @FunctionalInterface
    private interface RowsInsert<T>
    {
        void insert(Handle handle, List<Positioned<T>> rows);
    }

    /** A refused record as a rejected request: ClickHouse's reason, and the whole record to replay it from. */
    private RejectedRequest setAside(Refusal refusal)
    {
        Map<String, String> payload = Map.of("payload", new String(codec.encode(refusal.record()), StandardCharsets.UTF_8));
        String message = refusal.message();
        // Cut between code points: half a surrogate pair is not text.
        String detail = message.codePointCount(0, message.length()) <= MAX_DETAIL_LENGTH ? message : message.substring(0, message.offsetByCodePoints(0, MAX_DETAIL_LENGTH)) + "...";
        if (refusal.record() instanceof StatusEvent event) {
            return new RejectedRequest(event.receivedAt(), event.source().columnValue(), REFUSED_REASON, detail, event.accountSid(), event.messageSid(), "", payload);
        }
        RejectedRequest rejected = (RejectedRequest) refusal.record();
        return new RejectedRequest(rejected.receivedAt(), rejected.endpoint(), REFUSED_REASON, detail, rejected.accountSid(), rejected.messageSid(), rejected.url(), payload);
    }

    private static String rootMessage(Throwable failure)
    {
        Throwable root = InsertFailure.rootCause(failure);
        return root.getMessage() == null ? root.toString() : root.getMessage();
    }

    /**
     * Binds with JDBC itself, not Jdbi: Jdbi looks up an argument factory for each of the 22 values of
     * every row, which cost three times what the driver's RowBinary encoding of the row did
     * (bench/README.md, "Where the time goes").
     */
    private void insertEvents(Handle handle, List<Positioned<StatusEvent>> events, Timestamp insertedAt)
    {
        try (PreparedStatement insert = handle.getConnection().prepareStatement(INSERT_EVENT)) {
            for (Positioned<StatusEvent> positioned : events) {
                StatusEvent event = positioned.record();
                // Here, because every event reaches ClickHouse through this insert, whatever its source.
                AddressClassification classification = classifier.classify(event);
                insert.setString(1, event.eventId());
                insert.setTimestamp(2, Timestamp.from(event.receivedAt()));
                insert.setTimestamp(3, Timestamp.from(event.eventTime()));
                insert.setTimestamp(4, insertedAt);
                insert.setString(5, event.source().columnValue());
                insert.setString(6, event.direction());
                insert.setString(7, event.accountSid());
                insert.setString(8, event.messageSid());
                insert.setString(9, event.messagingServiceSid().orElse(""));
                insert.setString(10, event.status().wireName());
                insert.setInt(11, event.status().rank());
                if (event.errorCode().isPresent()) {
                    insert.setInt(12, event.errorCode().getAsInt());
                }
                else {
                    insert.setNull(12, Types.INTEGER);
                }
                insert.setString(13, event.from());
                insert.setString(14, event.to());
                insert.setString(15, event.apiVersion().orElse(""));
                insert.setString(16, event.idempotencyToken().orElse(""));
                insert.setLong(17, positioned.position());
                insert.setObject(18, event.tags());
                insert.setObject(19, event.parameters());
                insert.setString(20, classification.country());
                insert.setString(21, classification.numberType());
                insert.setString(22, classification.channel());
                insert.addBatch();
            }
            insert.executeBatch();
        }
        catch (SQLException e) {
            // As Jdbi would: InsertFailure classifies the SQLException it carries.
            throw new UnableToExecuteStatementException(e, null);
        }
    }

    private static void insertRejected(Handle handle, List<Positioned<RejectedRequest>> rejectedRequests, Timestamp insertedAt)
    {
        PreparedBatch insert = handle.prepareBatch(INSERT_REJECTED);
        for (Positioned<RejectedRequest> positioned : rejectedRequests) {
            RejectedRequest rejected = positioned.record();
            insert.add(
                    Timestamp.from(rejected.receivedAt()),
                    insertedAt,
                    rejected.endpoint(),
                    rejected.reason(),
                    rejected.detail(),
                    rejected.accountSid(),
                    rejected.messageSid(),
                    rejected.url(),
                    positioned.position(),
                    mapArgument(rejected.parameters()));
        }
        insert.execute();
    }

    /** Jdbi has no mapping for a Map; the driver takes one as a ClickHouse Map(String, String). */
    private static Argument mapArgument(Map<String, String> map)
    {
        return (position, statement, context) -> statement.setObject(position, map);
    }

    /** The first of each event id: a callback and its retry often fall into one batch. */
    private static List<Positioned<StatusEvent>> withoutCopiesInBatch(List<Positioned<StatusEvent>> events)
    {
        Map<String, Positioned<StatusEvent>> byId = new LinkedHashMap<>();
        for (Positioned<StatusEvent> positioned : events) {
            byId.putIfAbsent(positioned.record().eventId(), positioned);
        }
        return byId.size() == events.size() ? events : List.copyOf(byId.values());
    }

    /**
     * Drops events whose id ClickHouse already has among the events received from {@code duplicateWindow}
     * before the batch's oldest on. A replayed record has its original receive time, and Twilio's retries
     * follow within seconds, so the window bounds the work without missing those; only an exact copy
     * arriving later than that is stored again.
     */
    private List<Positioned<StatusEvent>> withoutStoredEvents(Handle handle, List<Positioned<StatusEvent>> events)
    {
        Map<String, Positioned<StatusEvent>> byId = new LinkedHashMap<>();
        Instant oldest = Instant.MAX;
        for (Positioned<StatusEvent> positioned : events) {
            byId.put(positioned.record().eventId(), positioned);
            oldest = oldest.isBefore(positioned.record().receivedAt()) ? oldest : positioned.record().receivedAt();
        }
        Timestamp since = Timestamp.from(oldest.minus(duplicateWindow));
        List<String> eventIds = List.copyOf(byId.keySet());
        // Chunks keep each lookup below ClickHouse's max_query_size (256 KiB by default). The ids go as one
        // comma-separated string (they are hex): a placeholder per id made Jdbi and the JDBC driver parse
        // statements of 5,000 placeholders, a twelfth of the service's CPU, and the engine's set from a
        // subquery is built faster than from a literal tuple (bench/README.md, "Where the time goes").
        for (int start = 0; start < eventIds.size(); start += LOOKUP_CHUNK) {
            handle.createQuery("SELECT DISTINCT event_id FROM status_events WHERE received_at >= :since AND event_id IN (SELECT arrayJoin(splitByChar(',', :eventIds)))")
                    .bind("since", since)
                    .bind("eventIds", String.join(",", eventIds.subList(start, Math.min(eventIds.size(), start + LOOKUP_CHUNK))))
                    .mapTo(String.class)
                    .forEach(byId::remove);
        }
        return List.copyOf(byId.values());
    }
}
