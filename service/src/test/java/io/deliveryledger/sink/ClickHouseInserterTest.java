package io.deliveryledger.sink;

import com.clickhouse.client.api.Client;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import io.deliveryledger.analytics.AddressClassifier;
import io.deliveryledger.event.LedgerRecordCodec;
import io.deliveryledger.event.MessageStatus;
import io.deliveryledger.event.RejectedRequest;
import io.deliveryledger.event.Source;
import io.deliveryledger.event.StatusEvent;
import io.deliveryledger.journal.JournalMark;
import io.deliveryledger.schema.SchemaMigrator;
import io.deliveryledger.sink.Batch.Positioned;
import io.deliveryledger.testing.StatusCallbacks;
import io.deliveryledger.testing.TestingClickHouseEngine;
import io.deliveryledger.testing.TestingLedger;
import io.deliveryledger.twilio.ParsedWebhook;
import io.deliveryledger.twilio.WebhookParser;
import io.deliveryledger.app.ClickHouseFactory;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

final class ClickHouseInserterTest
{
    private static final String ACCOUNT = "AC" + "4".repeat(32);

    @TempDir
    static Path directory;

    private static TestingClickHouseEngine engine;
    private static ClickHouseFactory clickhouse;
    private static Jdbi database;
    private static Client client;

    @BeforeAll
    static void start()
    {
        engine = new TestingClickHouseEngine(directory.resolve("clickhouse"));
        engine.start();
        clickhouse = TestingLedger.clickhouseSettings(engine, "inserter");
        database = clickhouse.buildDatabaseJdbi();
        client = clickhouse.buildClient();
        SchemaMigrator migrator = clickhouse.buildMigrator();
        assertThat(migrator.migrate()).isPositive();
        assertThat(clickhouse.buildMigrator().migrate()).as("migrations are applied once").isZero();
    }

    @AfterAll
    static void stop()
    {
        client.close();
        engine.close();
    }

    @Test
    void largeBatchesAreStoredOnceWhateverTheirBoundaries()
    {
        List<Positioned<StatusEvent>> events = new ArrayList<>();
        for (int i = 0; i < 12_000; i++) {
            events.add(new Positioned<>(i, event(StatusCallbacks.messageSid(), "delivered")));
        }
        // The same events twice within the batch, as a Twilio retry would be.
        events.add(new Positioned<>(12_000, events.get(0).record()));
        ClickHouseInserter inserter = new ClickHouseInserter(clickhouse.buildInsertHandles(), client, Duration.ofHours(1), Duration.ofMinutes(2), Clock.systemUTC(), new AddressClassifier(PhoneNumberUtil.getInstance()), new LedgerRecordCodec());
        UUID journal = UUID.randomUUID();
        RejectedRequest rejected = new RejectedRequest(Instant.now(), "/twilio/status", "unknown_status", "bad", ACCOUNT, "SMx", "http://x", Map.of("a", "b"));

        assertThat(inserter.insert(new Batch(journal, 0, new JournalMark(12_001, 1), events, List.of(new Positioned<>(12_001, rejected)))).skipped()).isEqualTo(1);
        // Replayed after a crash with other boundaries: every event is found and skipped.
        assertThat(inserter.insert(new Batch(journal, 5, new JournalMark(12_000, 1), events.subList(5, 12_001), List.of())).skipped()).isEqualTo(11_996);

        assertThat(count("SELECT count() FROM status_events WHERE status = 'delivered'")).isEqualTo(12_000);
        assertThat(count("SELECT count() FROM message_status WHERE status = 'delivered'")).isEqualTo(12_000);
        assertThat(count("SELECT count() FROM rejected_requests WHERE reason = 'unknown_status' AND parameters['a'] = 'b' AND inserted_at >= received_at")).isEqualTo(1);
        // Every column lands where it belongs (the binary insert path writes rows by position).
        StatusEvent first = events.get(0).record();
        assertThat(count("""
                SELECT count() FROM status_events
                WHERE message_sid = '%s' AND event_id = '%s' AND account_sid = '%s' AND status = 'delivered' AND status_rank = 5
                  AND error_code IS NULL AND from_address = '+15017122661' AND to_address = '+15558675310' AND source = 'callback'
                  AND direction = 'outbound' AND api_version = '2010-04-01' AND journal_position = 0 AND inserted_at >= received_at
                  AND parameters['RawDlrDoneDate'] = '2611271530' AND length(tags) = 0""".formatted(first.messageSid(), first.eventId(), ACCOUNT))).isEqualTo(1);
    }

    @Test
    void copiesAreRecognisedWithinTheDuplicateWindowOfTheOriginal()
    {
        ClickHouseInserter inserter = new ClickHouseInserter(clickhouse.buildInsertHandles(), client, Duration.ofHours(1), Duration.ofMinutes(2), Clock.systemUTC(), new AddressClassifier(PhoneNumberUtil.getInstance()), new LedgerRecordCodec());
        UUID journal = UUID.randomUUID();
        String sid = StatusCallbacks.messageSid();
        Instant original = Instant.now().minus(Duration.ofHours(3));
        inserter.insert(batchOf(journal, 0, event(sid, "sent", original)));

        // A Twilio retry ten minutes later, and a replay of the same journal record: found and skipped.
        assertThat(inserter.insert(batchOf(journal, 1, event(sid, "sent", original.plus(Duration.ofMinutes(10))))).skipped()).isEqualTo(1);
        assertThat(inserter.insert(batchOf(journal, 2, event(sid, "sent", original))).skipped()).isEqualTo(1);
        // The same content two hours later is past the window: stored again, as documented.
        assertThat(inserter.insert(batchOf(journal, 3, event(sid, "sent", original.plus(Duration.ofHours(2))))).skipped()).isZero();
        assertThat(count("SELECT count() FROM status_events WHERE message_sid = '" + sid + "'")).isEqualTo(2);
    }

    @Test
    void everyColumnIsStoredAsTheRecordSaysAndAnEventIdThatIsNoneIsRefused()
    {
        ClickHouseInserter inserter = new ClickHouseInserter(clickhouse.buildInsertHandles(), client, Duration.ofHours(1), Duration.ofMinutes(2), Clock.systemUTC(), new AddressClassifier(PhoneNumberUtil.getInstance()), new LedgerRecordCodec());
        StatusEvent parsed = event(StatusCallbacks.messageSid(), "undelivered");
        Instant eventTime = Instant.parse("2026-11-27T15:30:00.123456789Z");
        Map<String, String> tags = Map.of("campagne", "été 🚀", "空", "", "", "empty name");
        Map<String, String> parameters = Map.of("Body", "Ünïcödé ✓ 𝄞 مرحبا", "ErrorCode", "30008");
        StatusEvent hostile = new StatusEvent(parsed.eventId(), Source.RECONCILE, parsed.receivedAt(), eventTime, ACCOUNT, parsed.messageSid(), Optional.of("MG" + "1".repeat(32)),
                MessageStatus.UNDELIVERED, OptionalInt.of(30008), "whatsapp:+447700900123", "+15558675310", "outbound", Optional.empty(), Optional.of("idem-ü"), tags, parameters);
        StatusEvent noTags = new StatusEvent(event(StatusCallbacks.messageSid(), "sent").eventId(), Source.CALLBACK, parsed.receivedAt(), eventTime, ACCOUNT, StatusCallbacks.messageSid(), Optional.empty(),
                MessageStatus.SENT, OptionalInt.empty(), "+15017122661", "+15558675310", "outbound", Optional.of("2010-04-01"), Optional.empty(), Map.of(), Map.of());
        StatusEvent badId = new StatusEvent("e".repeat(31), Source.CALLBACK, parsed.receivedAt(), eventTime, ACCOUNT, StatusCallbacks.messageSid(), Optional.empty(),
                MessageStatus.SENT, OptionalInt.empty(), "+15017122661", "+15558675310", "outbound", Optional.empty(), Optional.empty(), Map.of(), Map.of());
        long bigPosition = 1L << 40;
        List<Positioned<StatusEvent>> events = List.of(new Positioned<>(bigPosition, hostile), new Positioned<>(bigPosition + 1, badId), new Positioned<>(bigPosition + 2, noTags));

        ClickHouseInserter.Outcome outcome = inserter.insert(new Batch(UUID.randomUUID(), bigPosition, new JournalMark(bigPosition + 3, 3), events, List.of()));

        assertThat(outcome.refused()).isEqualTo(1);
        assertThat(outcome.unstorable()).isEmpty();
        Map<String, Object> stored = database.withHandle(handle -> handle.createQuery("""
                        SELECT event_id, toUnixTimestamp64Milli(event_time) AS event_time, source, messaging_service_sid, status, status_rank, error_code,
                               from_address, api_version, idempotency_token, journal_position, tags, parameters, channel
                        FROM status_events WHERE message_sid = :sid""")
                .bind("sid", hostile.messageSid()).mapToMap().one());
        assertThat(stored).containsEntry("event_id", hostile.eventId())
                .containsEntry("event_time", eventTime.toEpochMilli())
                .containsEntry("source", "reconcile")
                .containsEntry("messaging_service_sid", "MG" + "1".repeat(32))
                .containsEntry("status", "undelivered")
                .containsEntry("status_rank", (short) 5)
                .containsEntry("error_code", 30008L)
                .containsEntry("from_address", "whatsapp:+447700900123")
                .containsEntry("api_version", "")
                .containsEntry("idempotency_token", "idem-ü")
                .containsEntry("journal_position", BigInteger.valueOf(bigPosition))
                .containsEntry("tags", tags)
                .containsEntry("parameters", parameters)
                .containsEntry("channel", "whatsapp");
        assertThat(count("SELECT count() FROM status_events WHERE message_sid = '%s' AND error_code IS NULL AND length(tags) = 0 AND length(parameters) = 0 AND api_version = '2010-04-01'"
                .formatted(noTags.messageSid()))).isEqualTo(1);
        String detail = database.withHandle(handle -> handle.createQuery("SELECT detail FROM rejected_requests WHERE message_sid = :sid AND reason = 'refused_by_clickhouse'")
                .bind("sid", badId.messageSid()).mapTo(String.class).one());
        assertThat(detail).contains("is not 32 ASCII characters");
    }

    @Test
    void aClickHouseThatNeverAnswersFailsTheLookupAndTheInsertAfterTheRequestTimeout()
            throws Exception
    {
        // Accepts connections and reads the requests, and never answers: a hung server, or a connection
        // a network failure left half-open.
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> {
                List<Socket> connections = new ArrayList<>();
                try {
                    while (true) {
                        Socket connection = silent.accept();
                        connections.add(connection);
                        Thread reader = new Thread(() -> {
                            try {
                                connection.getInputStream().transferTo(OutputStream.nullOutputStream());
                            }
                            catch (IOException ignored) {
                                // Closed at the end of the test.
                            }
                        });
                        reader.setDaemon(true);
                        reader.start();
                    }
                }
                catch (IOException closed) {
                    connections.forEach(connection -> {
                        try {
                            connection.close();
                        }
                        catch (IOException ignored) {
                            // Closing anyway.
                        }
                    });
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            Client silentClient = new Client.Builder().addEndpoint("http://127.0.0.1:" + silent.getLocalPort()).setUsername("default").setPassword("").build();
            try {
                // With a duplicate window the lookup goes first; without one, the insert.
                for (Duration duplicateWindow : List.of(Duration.ofHours(1), Duration.ZERO)) {
                    ClickHouseInserter inserter = new ClickHouseInserter(clickhouse.buildInsertHandles(), silentClient, duplicateWindow, Duration.ofSeconds(1), Clock.systemUTC(),
                            new AddressClassifier(PhoneNumberUtil.getInstance()), new LedgerRecordCodec());
                    Batch batch = batchOf(UUID.randomUUID(), 0, event(StatusCallbacks.messageSid(), "sent"));

                    RuntimeException failure = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> catchThrowableOfType(() -> inserter.insert(batch), RuntimeException.class),
                            "the request timeout of 1 s ends a request the server never answers");
                    assertThat(failure).as("with duplicateWindow %s", duplicateWindow).isNotNull();
                    assertThat(InsertFailure.classify(failure)).as("tried again, not set aside").isEqualTo(InsertFailure.RETRYABLE);
                }
            }
            finally {
                silentClient.close();
            }
        }
    }

    private static Batch batchOf(UUID journal, long position, StatusEvent event)
    {
        return new Batch(journal, position, new JournalMark(position, 1), List.of(new Positioned<>(position, event)), List.of());
    }

    @Test
    void insertsOnAConnectionWithTheSameDeduplicationTokenAreStoredOnce()
    {
        database.useHandle(handle -> handle.execute("CREATE TABLE token_check (id UInt32) ENGINE = MergeTree ORDER BY id SETTINGS non_replicated_deduplication_window = 10"));
        for (String token : List.of("journal:0-9:token_check", "journal:0-9:token_check", "journal:10-19:token_check")) {
            try (Handle handle = clickhouse.buildInsertHandles().open(token)) {
                PreparedBatch insert = handle.prepareBatch("INSERT INTO token_check (id) VALUES (?)");
                for (int id = 0; id < 10; id++) {
                    insert.add(id);
                }
                insert.execute();
            }
        }
        assertThat(count("SELECT count() FROM token_check")).as("the second insert with the first token is dropped").isEqualTo(20);
    }

    private static StatusEvent event(String sid, String status)
    {
        return event(sid, status, Instant.now());
    }

    private static StatusEvent event(String sid, String status, Instant receivedAt)
    {
        ParsedWebhook parsed = new WebhookParser().parseStatusCallback(StatusCallbacks.callback(ACCOUNT, sid, status), Map.of(), receivedAt, Optional.empty());
        return ((ParsedWebhook.Accepted) parsed).event();
    }

    private static long count(String sql)
    {
        return database.withHandle(handle -> handle.createQuery(sql).mapTo(Long.class).one());
    }
}
