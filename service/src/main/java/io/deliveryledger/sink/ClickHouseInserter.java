package io.deliveryledger.sink;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.insert.InsertSettings;
import com.clickhouse.client.api.query.GenericRecord;
import com.clickhouse.client.api.query.QuerySettings;
import com.clickhouse.data.ClickHouseFormat;
import io.deliveryledger.analytics.AddressClassifier;
import io.deliveryledger.event.LedgerRecord;
import io.deliveryledger.event.LedgerRecordCodec;
import io.deliveryledger.event.RejectedRequest;
import io.deliveryledger.event.StatusEvent;
import io.deliveryledger.sink.Batch.Positioned;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.argument.Argument;
import org.jdbi.v3.core.statement.PreparedBatch;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;

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

    private static final String INSERT_REJECTED = """
            INSERT INTO rejected_requests (received_at, inserted_at, endpoint, reason, detail, account_sid, message_sid, url, journal_position, parameters)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""";

    /** ClickHouse's default: the duplicate lookup raises it for longer statements only. */
    private static final int DEFAULT_MAX_QUERY_SIZE = 262_144;

    private final InsertHandles handles;
    private final Client client;
    private final Duration duplicateWindow;
    private final Duration requestTimeout;
    private final Clock clock;
    private final StatusEventRowBinary eventRows;
    private final LedgerRecordCodec codec;

    /**
     * @param handles connections for the rejected requests
     * @param client for the duplicate lookup and the events, which go as RowBinary of this class's own making
     */
    ClickHouseInserter(InsertHandles handles, Client client, Duration duplicateWindow, Duration requestTimeout, Clock clock, AddressClassifier classifier, LedgerRecordCodec codec)
    {
        this.handles = requireNonNull(handles, "handles is null");
        this.client = requireNonNull(client, "client is null");
        this.duplicateWindow = requireNonNull(duplicateWindow, "duplicateWindow is null");
        this.requestTimeout = requireNonNull(requestTimeout, "requestTimeout is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.eventRows = new StatusEventRowBinary(requireNonNull(classifier, "classifier is null"));
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
        Instant insertedAt = clock.instant();
        List<Refusal> refusals = new ArrayList<>();
        // Rejected requests first: once a batch's events are visible, everything before them is stored.
        insertSplitting(batch, REJECTED_TABLE, batch.rejectedRequests(), (token, rows) -> insertRejected(token, rows, insertedAt), refusals);
        List<Positioned<StatusEvent>> fresh = withoutCopiesInBatch(batch.events());
        if (!fresh.isEmpty() && !duplicateWindow.isZero()) {
            fresh = withoutStoredEvents(fresh);
        }
        insertSplitting(batch, EVENTS_TABLE, fresh, (token, rows) -> insertEvents(token, rows, insertedAt), refusals);
        List<Refusal> unstorable = new ArrayList<>();
        List<Positioned<RejectedRequest>> set = refusals.stream().map(refusal -> new Positioned<>(refusal.position(), setAside(refusal))).toList();
        insertSplitting(batch, REJECTED_TABLE + ":" + REFUSALS, set, (token, rows) -> insertRejected(token, rows, insertedAt), unstorable);
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
        try {
            insert.insert(batch.deduplicationToken(tokenTable, rows), rows);
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

    /** One insert of {@code rows}, carrying {@code deduplicationToken}. */
    @FunctionalInterface
    private interface RowsInsert<T>
    {
        void insert(String deduplicationToken, List<Positioned<T>> rows);
    }

    /** A refused record as a rejected request: ClickHouse's reason, and the whole record to replay it from. */
    private RejectedRequest setAside(Refusal refusal)
    {
        Map<String, String> payload = Map.of("payload", codec.json(refusal.record()));
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

    private void insertEvents(String deduplicationToken, List<Positioned<StatusEvent>> events, Instant insertedAt)
    {
        InsertSettings settings = new InsertSettings()
                .setDeduplicationToken(deduplicationToken)
                // A retry after a view's insert failed must still reach that view, though the table has the block.
                .serverSetting("deduplicate_blocks_in_dependent_materialized_views", "1");
        settings.setNetworkTimeout(requestTimeout.toMillis(), ChronoUnit.MILLIS);
        try {
            // The insert is done once ClickHouse has answered; there is nothing to read.
            client.insert(EVENTS_TABLE, eventRows.rows(events, insertedAt), ClickHouseFormat.RowBinaryWithNamesAndTypes, settings).get().close();
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while inserting into " + EVENTS_TABLE, e);
        }
        catch (ExecutionException e) {
            // InsertFailure classifies the cause: ClickHouse's error code, or a value this side could not encode.
            throw new IllegalStateException("Insert into " + EVENTS_TABLE + " failed: " + e.getCause().getMessage(), e.getCause());
        }
    }

    private void insertRejected(String deduplicationToken, List<Positioned<RejectedRequest>> rejectedRequests, Instant insertedAt)
    {
        try (Handle handle = handles.open(deduplicationToken)) {
            PreparedBatch insert = handle.prepareBatch(INSERT_REJECTED);
            for (Positioned<RejectedRequest> positioned : rejectedRequests) {
                RejectedRequest rejected = positioned.record();
                insert.add(
                        Timestamp.from(rejected.receivedAt()),
                        Timestamp.from(insertedAt),
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
    private List<Positioned<StatusEvent>> withoutStoredEvents(List<Positioned<StatusEvent>> events)
    {
        Map<String, Positioned<StatusEvent>> byId = new LinkedHashMap<>();
        Instant oldest = Instant.MAX;
        for (Positioned<StatusEvent> positioned : events) {
            byId.put(positioned.record().eventId(), positioned);
            oldest = oldest.isBefore(positioned.record().receivedAt()) ? oldest : positioned.record().receivedAt();
        }
        // One statement per batch: each reads the event ids of the whole window, so a batch looked up in
        // chunks read them once per chunk. The ids go inline as one comma-separated string (hex; quoted all
        // the same): as query parameters they would travel in the URL. A placeholder per id made the JDBC
        // driver parse statements of thousands of placeholders, and the engine builds the set from a
        // subquery faster than from a literal tuple (bench/README.md, "Where the time goes").
        String sql = "SELECT DISTINCT event_id FROM status_events WHERE received_at >= fromUnixTimestamp64Milli(toInt64(%d), 'UTC') AND event_id IN (SELECT arrayJoin(splitByChar(',', '%s')))"
                .formatted(oldest.minus(duplicateWindow).toEpochMilli(), String.join(",", byId.keySet()).replace("\\", "\\\\").replace("'", "\\'"));
        // The statement grows with the batch (20,000 events make 660 KB); in bytes, at most 3 per char.
        QuerySettings settings = new QuerySettings().serverSetting("max_query_size", String.valueOf(Math.max(DEFAULT_MAX_QUERY_SIZE, 3L * sql.length())));
        settings.setNetworkTimeout(requestTimeout.toMillis(), ChronoUnit.MILLIS);
        for (GenericRecord stored : client.queryAll(sql, settings)) {
            byId.remove(stored.getString("event_id"));
        }
        return List.copyOf(byId.values());
    }
}
