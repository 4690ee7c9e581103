package io.deliveryledger.sink;

import com.clickhouse.client.api.Client;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Snapshot;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import io.deliveryledger.app.ClickHouseFactory;
import io.deliveryledger.analytics.AddressClassifier;
import io.deliveryledger.event.LedgerRecordCodec;
import io.deliveryledger.event.RejectedRequest;
import io.deliveryledger.event.StatusEvent;
import io.deliveryledger.journal.Journal;
import io.deliveryledger.journal.JournalMark;
import io.deliveryledger.journal.JournalSettings;
import io.deliveryledger.sink.Batch.Positioned;
import io.deliveryledger.testing.StatusCallbacks;
import io.deliveryledger.testing.TestingEngineExtension;
import io.deliveryledger.testing.TestingLedger;
import io.deliveryledger.twilio.ParsedWebhook;
import io.deliveryledger.twilio.WebhookParser;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

final class BatchWriterTest
{
    private static final String ACCOUNT = "AC" + "6".repeat(32);
    private static final String UNSTORABLE_ACCOUNT = "AC" + "7".repeat(32);

    private static final BatchPolicy POLICY = new BatchPolicy(1000, 1 << 20, Duration.ofMillis(200), Duration.ofMillis(50), Duration.ofMillis(200), Duration.ofHours(1), Duration.ofMinutes(2));

    @RegisterExtension
    static final TestingEngineExtension ENGINE = new TestingEngineExtension();

    @TempDir
    Path directory;

    private final List<Client> clients = new ArrayList<>();

    @AfterEach
    void closeClients()
    {
        clients.forEach(Client::close);
    }

    @Test
    void storesEveryJournalRecordAndAcknowledgesThemEvenAnUndecodableOne()
            throws Exception
    {
        ClickHouseFactory clickhouse = TestingLedger.clickhouseSettings(ENGINE.engine(), "writer");
        LedgerRecordCodec codec = new LedgerRecordCodec();

        try (Journal journal = openJournal(directory.resolve("journal"))) {
            String before = StatusCallbacks.messageSid();
            String after = StatusCallbacks.messageSid();
            journal.append(codec.encode(event(before))).get();
            // Passes its checksum but is no ledger record: written by some incompatible version.
            journal.append("{\"type\":\"from_the_future\"}".getBytes(StandardCharsets.UTF_8)).get();
            // The binary format's first byte, then an event id of 2 bytes with 1 left.
            byte[] cutShort = {1, 2, 'x'};
            journal.append(cutShort).get();
            journal.append(codec.encode(event(after))).get();

            BatchWriter writer = new BatchWriter(journal, codec, clickhouse.buildMigrator(), clickhouse.buildInsertHandles(), client(clickhouse), POLICY, "test-host", Clock.systemUTC(), new MetricRegistry());
            drain(journal, writer);

            Jdbi database = clickhouse.buildDatabaseJdbi();
            long stored = database.withHandle(handle -> handle.createQuery("SELECT count() FROM status_events WHERE message_sid IN (:a, :b)")
                    .bind("a", before).bind("b", after).mapTo(Long.class).one());
            assertThat(stored).isEqualTo(2);
            List<Map<String, Object>> quarantined = database.withHandle(handle -> handle.createQuery(
                            "SELECT endpoint, reason, parameters['payload'] AS payload, journal_position FROM rejected_requests ORDER BY journal_position")
                    .mapToMap().list());
            assertThat(quarantined).hasSize(2).allSatisfy(row -> assertThat(row).containsEntry("endpoint", "journal").containsEntry("reason", "undecodable_journal_record"));
            assertThat(quarantined.get(0)).containsEntry("payload", "{\"type\":\"from_the_future\"}");
            assertThat(((Number) quarantined.get(0).get("journal_position")).longValue()).isEqualTo(1);
            assertThat(quarantined.get(1)).containsEntry("payload", "base64:" + Base64.getEncoder().encodeToString(cutShort));
            assertThat(writer.lastInsertAt()).isPresent();
            assertThat(writer.failure()).isEmpty();
        }
    }

    @Test
    void recordsClickHouseRefusesAreSetAsideAndTheRestIsStored()
            throws Exception
    {
        ClickHouseFactory clickhouse = TestingLedger.clickhouseSettings(ENGINE.engine(), "refusals");
        clickhouse.buildMigrator().migrate();
        Jdbi database = clickhouse.buildDatabaseJdbi();
        // Refusals ClickHouse makes for the data alone, whatever the edge accepted: an operator's constraints.
        database.useHandle(handle -> {
            handle.execute("ALTER TABLE status_events ADD CONSTRAINT no_poison CHECK tags['campaign'] != 'poison'");
            handle.execute("ALTER TABLE rejected_requests ADD CONSTRAINT no_unstorable CHECK account_sid != '" + UNSTORABLE_ACCOUNT + "'");
        });
        LedgerRecordCodec codec = new LedgerRecordCodec();
        MetricRegistry metrics = new MetricRegistry();

        try (Journal journal = openJournal(directory.resolve("journal"))) {
            List<String> good = new ArrayList<>();
            List<String> poisoned = new ArrayList<>();
            for (int record = 0; record < 100; record++) {
                String sid = StatusCallbacks.messageSid();
                boolean poison = record == 0 || record == 37 || record == 99;
                (poison ? poisoned : good).add(sid);
                journal.append(codec.encode(event(ACCOUNT, sid, Map.of("campaign", poison ? "poison" : "spring")))).get();
            }
            String unstorable = StatusCallbacks.messageSid();
            journal.append(codec.encode(event(UNSTORABLE_ACCOUNT, unstorable, Map.of("campaign", "poison")))).get();

            BatchWriter writer = new BatchWriter(journal, codec, clickhouse.buildMigrator(), clickhouse.buildInsertHandles(), client(clickhouse), POLICY, "test-host", Clock.systemUTC(), metrics);
            drain(journal, writer);

            List<String> stored = database.withHandle(handle -> handle.createQuery("SELECT message_sid FROM status_events ORDER BY journal_position").mapTo(String.class).list());
            assertThat(stored).containsExactlyElementsOf(good);
            List<Map<String, Object>> setAside = database.withHandle(handle -> handle.createQuery(
                            "SELECT endpoint, reason, detail, message_sid, parameters['payload'] AS payload FROM rejected_requests ORDER BY journal_position")
                    .mapToMap().list());
            assertThat(setAside).extracting(row -> row.get("message_sid")).containsExactlyElementsOf(poisoned);
            for (Map<String, Object> row : setAside) {
                assertThat(row).containsEntry("endpoint", "callback").containsEntry("reason", "refused_by_clickhouse");
                assertThat((String) row.get("detail")).contains("no_poison");
                StatusEvent original = (StatusEvent) codec.decode(((String) row.get("payload")).getBytes(StandardCharsets.UTF_8));
                assertThat(original.messageSid()).isEqualTo(row.get("message_sid"));
                assertThat(original.tags()).containsEntry("campaign", "poison");
            }
            assertThat(metrics.meter("sink.refused-records").getCount()).isEqualTo(4);
            assertThat(metrics.meter("sink.unstorable-records").getCount()).isEqualTo(1);
            assertThat(metrics.meter("sink.insert-failures").getCount()).isZero();
            assertThat(writer.failure()).isEmpty();
        }
    }

    @Test
    void aBatchInFlightAtACrashIsInsertedAgainWithTheSamePositionsAndTokens()
            throws Exception
    {
        ClickHouseFactory clickhouse = TestingLedger.clickhouseSettings(ENGINE.engine(), "replay");
        clickhouse.buildMigrator().migrate();
        LedgerRecordCodec codec = new LedgerRecordCodec();
        Path journalDirectory = directory.resolve("journal");
        List<RejectedRequest> rejected = new ArrayList<>();
        for (int record = 0; record < 5; record++) {
            rejected.add(new RejectedRequest(Instant.now(), "/twilio/status", "invalid_message_sid", "number " + record, ACCOUNT, "not-a-sid-" + record, "", Map.of()));
        }

        try (Journal journal = openJournal(journalDirectory)) {
            for (RejectedRequest request : rejected) {
                journal.append(codec.encode(request)).get();
            }
            // A writer stored positions 0-2, then crashed before acknowledging them: what it left behind.
            new InFlightBatchFile(journalDirectory).write(journal.id(), 2);
            List<Positioned<RejectedRequest>> firstThree = List.of(new Positioned<>(0, rejected.get(0)), new Positioned<>(1, rejected.get(1)), new Positioned<>(2, rejected.get(2)));
            new ClickHouseInserter(clickhouse.buildInsertHandles(), client(clickhouse), Duration.ofHours(1), Duration.ofMinutes(2), Clock.systemUTC(), new AddressClassifier(PhoneNumberUtil.getInstance()), codec)
                    .insert(new Batch(BatchWriter.origin(journal.id(), "test-host"), 0, new JournalMark(2, 0), List.of(), firstThree));

            BatchWriter writer = new BatchWriter(journal, codec, clickhouse.buildMigrator(), clickhouse.buildInsertHandles(), client(clickhouse), POLICY, "test-host", Clock.systemUTC(), new MetricRegistry());
            drain(journal, writer);
        }

        // Formed as 0-4, the replay would have carried a new token and stored 0-2 a second time.
        List<String> stored = clickhouse.buildDatabaseJdbi().withHandle(handle -> handle.createQuery("SELECT detail FROM rejected_requests ORDER BY journal_position, detail")
                .mapTo(String.class).list());
        assertThat(stored).containsExactly("number 0", "number 1", "number 2", "number 3", "number 4");
    }

    @Test
    void copiesOfAJournalOnTwoHostsAreNotTakenForEachOthersDuplicates()
            throws Exception
    {
        ClickHouseFactory clickhouse = TestingLedger.clickhouseSettings(ENGINE.engine(), "clones");
        LedgerRecordCodec codec = new LedgerRecordCodec();
        Path original = directory.resolve("journal");
        Path copy = directory.resolve("journal-copy");
        // A volume cloned before its instance took traffic: both copies carry the same journal id.
        try (Journal journal = openJournal(original)) {
            assertThat(journal.lag()).isZero();
        }
        try (Stream<Path> files = Files.list(original)) {
            Files.createDirectories(copy);
            for (Path file : files.filter(file -> !file.getFileName().toString().endsWith(".lock")).toList()) {
                Files.copy(file, copy.resolve(file.getFileName()));
            }
        }
        List<String> stored = new ArrayList<>();
        for (Map.Entry<Path, String> host : Map.of(original, "host-a", copy, "host-b").entrySet()) {
            try (Journal journal = openJournal(host.getKey())) {
                // The same positions, other callbacks: the same tokens, were it not for the host.
                for (int record = 0; record < 3; record++) {
                    String sid = StatusCallbacks.messageSid();
                    journal.append(codec.encode(event(sid))).get();
                    stored.add(sid);
                }
                BatchWriter writer = new BatchWriter(journal, codec, clickhouse.buildMigrator(), clickhouse.buildInsertHandles(), client(clickhouse), POLICY, host.getValue(), Clock.systemUTC(), new MetricRegistry());
                drain(journal, writer);
            }
        }

        List<String> sids = clickhouse.buildDatabaseJdbi().withHandle(handle -> handle.createQuery("SELECT message_sid FROM status_events").mapTo(String.class).list());
        assertThat(sids).containsExactlyInAnyOrderElementsOf(stored);
    }

    /**
     * A copy in the same batch is always dropped; a copy in a later batch is dropped by the lookup, or
     * stored when duplicateWindow is 0 (the lookup off), and counted once either way.
     */
    @Test
    void copiesInLaterBatchesAreSkippedUnlessTheDuplicateWindowIsZero()
            throws Exception
    {
        for (Duration window : List.of(Duration.ofHours(1), Duration.ZERO)) {
            ClickHouseFactory clickhouse = TestingLedger.clickhouseSettings(ENGINE.engine(), "window" + window.toSeconds());
            BatchPolicy policy = new BatchPolicy(1000, 1 << 20, Duration.ofMillis(200), Duration.ofMillis(50), Duration.ofMillis(200), window, Duration.ofMinutes(2));
            LedgerRecordCodec codec = new LedgerRecordCodec();
            StatusEvent event = event(StatusCallbacks.messageSid());
            MetricRegistry metrics = new MetricRegistry();
            try (Journal journal = openJournal(directory.resolve("journal-" + window.toSeconds()))) {
                journal.append(codec.encode(event)).get();
                journal.append(codec.encode(event)).get();
                drain(journal, new BatchWriter(journal, codec, clickhouse.buildMigrator(), clickhouse.buildInsertHandles(), client(clickhouse), policy, "test-host", Clock.systemUTC(), metrics));
                journal.append(codec.encode(event)).get();
                drain(journal, new BatchWriter(journal, codec, clickhouse.buildMigrator(), clickhouse.buildInsertHandles(), client(clickhouse), policy, "test-host", Clock.systemUTC(), metrics));
            }
            Jdbi database = clickhouse.buildDatabaseJdbi();
            long rows = database.withHandle(handle -> handle.createQuery("SELECT count() FROM status_events").mapTo(Long.class).one());
            long counted = database.withHandle(handle -> handle.createQuery("SELECT event_count FROM message_status").mapTo(Long.class).one());
            assertThat(rows).as("rows with duplicateWindow %s", window).isEqualTo(window.isZero() ? 2 : 1);
            assertThat(metrics.meter("sink.duplicates-skipped").getCount()).isEqualTo(window.isZero() ? 1 : 2);
            assertThat(counted).isEqualTo(1);
        }
    }

    @Test
    void timesEveryEventFromItsReceiptToItsInsert()
            throws Exception
    {
        ClickHouseFactory clickhouse = TestingLedger.clickhouseSettings(ENGINE.engine(), "freshness");
        LedgerRecordCodec codec = new LedgerRecordCodec();
        MetricRegistry metrics = new MetricRegistry();
        Duration late = Duration.ofMinutes(10);
        try (Journal journal = openJournal(directory.resolve("journal"))) {
            // Received ten minutes ago (a journal replayed after an outage), and just now.
            journal.append(codec.encode(event(ACCOUNT, StatusCallbacks.messageSid(), Map.of(), Instant.now().minus(late)))).get();
            journal.append(codec.encode(event(StatusCallbacks.messageSid()))).get();
            drain(journal, new BatchWriter(journal, codec, clickhouse.buildMigrator(), clickhouse.buildInsertHandles(), client(clickhouse), POLICY, "test-host", Clock.systemUTC(), metrics));
        }
        Snapshot times = metrics.timer("sink.receipt-to-stored").getSnapshot();
        assertThat(metrics.timer("sink.receipt-to-stored").getCount()).isEqualTo(2);
        assertThat(Duration.ofNanos(times.getMax())).isBetween(late, late.plusMinutes(1));
        assertThat(Duration.ofNanos(times.getMin())).isLessThan(Duration.ofMinutes(1));
    }

    @Test
    void aBatchGoesMaxAgeAfterThePreviousOneWithWhatArrivedMeanwhile()
            throws Exception
    {
        Duration maxAge = Duration.ofSeconds(4);
        BatchPolicy policy = new BatchPolicy(1000, 1 << 20, maxAge, Duration.ofMillis(50), Duration.ofMillis(200), Duration.ofHours(1), Duration.ofMinutes(2));
        ClickHouseFactory clickhouse = TestingLedger.clickhouseSettings(ENGINE.engine(), "pacing");
        LedgerRecordCodec codec = new LedgerRecordCodec();
        MetricRegistry metrics = new MetricRegistry();
        try (Journal journal = openJournal(directory.resolve("journal"))) {
            BatchWriter writer = new BatchWriter(journal, codec, clickhouse.buildMigrator(), clickhouse.buildInsertHandles(), client(clickhouse), policy, "test-host", Clock.systemUTC(), metrics);
            writer.start();
            try {
                // The schema and a first batch, then longer than maxAge without any.
                journal.append(codec.encode(event(StatusCallbacks.messageSid()))).get();
                await().atMost(Duration.ofSeconds(60)).until(() -> journal.lag() == 0);
                Thread.sleep(maxAge.plusMillis(500).toMillis());

                // Nothing went for maxAge: a record goes at once, not maxAge after it was read.
                journal.append(codec.encode(event(StatusCallbacks.messageSid()))).get();
                await().atMost(maxAge.dividedBy(2)).until(() -> journal.lag() == 0);
                // One just went: the next waits for maxAge after it, gathering what arrives meanwhile.
                journal.append(codec.encode(event(StatusCallbacks.messageSid()))).get();
                journal.append(codec.encode(event(StatusCallbacks.messageSid()))).get();
                await().during(maxAge.dividedBy(2)).atMost(maxAge).until(() -> journal.lag() == 2);
                await().atMost(maxAge.multipliedBy(3)).until(() -> journal.lag() == 0);
            }
            finally {
                writer.stop();
            }
        }
        assertThat(metrics.histogram("sink.batch-rows").getCount()).as("batches").isEqualTo(3);
        assertThat(metrics.histogram("sink.batch-rows").getSnapshot().getMax()).isEqualTo(2);
    }

    private static Journal openJournal(Path directory)
            throws IOException
    {
        return Journal.open(new JournalSettings(directory, 1 << 20, 16 << 20, Duration.ZERO), new MetricRegistry());
    }

    /** Runs the writer until ClickHouse confirmed everything the journal holds. */
    private static void drain(Journal journal, BatchWriter writer)
            throws InterruptedException
    {
        writer.start();
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> journal.lag() == 0);
        }
        finally {
            writer.stop();
        }
    }

    private static StatusEvent event(String sid)
    {
        return event(ACCOUNT, sid, Map.of());
    }

    private static StatusEvent event(String account, String sid, Map<String, String> tags)
    {
        return event(account, sid, tags, Instant.now());
    }

    private static StatusEvent event(String account, String sid, Map<String, String> tags, Instant receivedAt)
    {
        ParsedWebhook parsed = new WebhookParser().parseStatusCallback(StatusCallbacks.callback(account, sid, "delivered"), tags, receivedAt, Optional.empty());
        return ((ParsedWebhook.Accepted) parsed).event();
    }

    private Client client(ClickHouseFactory clickhouse)
    {
        Client client = clickhouse.buildClient();
        clients.add(client);
        return client;
    }
}
