package io.deliveryledger.readmodel;

import com.clickhouse.client.api.Client;
import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.deliveryledger.app.ClickHouseFactory;
import io.deliveryledger.schema.SchemaMigrator;
import io.deliveryledger.testing.GeneratedTraffic;
import io.deliveryledger.testing.ReadModelCheck;
import io.deliveryledger.testing.TestingClickHouseEngine;
import io.deliveryledger.testing.TestingLedger;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

final class ReadModelApplierTest
{
    private static final Duration SETTLE = Duration.ofSeconds(1);
    private static final DateTimeFormatter CLICKHOUSE_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS").withZone(ZoneOffset.UTC);

    @TempDir
    static Path directory;

    private static TestingClickHouseEngine engine;

    @BeforeAll
    static void start()
    {
        engine = new TestingClickHouseEngine(directory.resolve("clickhouse"));
        engine.start();
    }

    @AfterAll
    static void stop()
    {
        engine.close();
    }

    @Test
    void countsEqualThePerMessageTruthWhateverTheOrderTheWritersAndTheAppliers()
            throws Exception
    {
        Ledger ledger = new Ledger("exactness");
        GeneratedTraffic traffic = new GeneratedTraffic(42);
        Instant now = Instant.now();
        List<List<Map<String, Object>>> messages = new ArrayList<>();
        List<Map<String, Object>> events = new ArrayList<>();
        for (int i = 0; i < 3_000; i++) {
            List<Map<String, Object>> message = traffic.message(now.minus(Duration.ofMinutes(traffic.random().nextInt(3 * 24 * 60))), "callback");
            messages.add(message);
            events.addAll(message);
        }
        // Twilio's retries and replays: some events twice, and everything out of order.
        for (int i = 0; i < 300; i++) {
            events.add(events.get(traffic.random().nextInt(events.size())));
        }
        Collections.shuffle(events, traffic.random());

        // Two writers insert in 24 batches while two appliers run.
        ReadModelApplier first = ledger.applier("first");
        ReadModelApplier second = ledger.applier("second");
        AtomicBoolean writing = new AtomicBoolean(true);
        ExecutorService executor = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> appliers = List.of(executor.submit(() -> applyWhile(first, writing)), executor.submit(() -> applyWhile(second, writing)));
            int batches = 24;
            List<Future<?>> writers = new ArrayList<>();
            for (int writer = 0; writer < 2; writer++) {
                int offset = writer;
                writers.add(executor.submit(() -> {
                    for (int batch = offset; batch < batches; batch += 2) {
                        ledger.insert(events.subList(events.size() * batch / batches, events.size() * (batch + 1) / batches));
                    }
                }));
            }
            for (Future<?> writer : writers) {
                writer.get();
            }
            writing.set(false);
            for (Future<?> applier : appliers) {
                applier.get();
            }
        }
        finally {
            executor.shutdownNow();
        }
        ledger.awaitApplied(first);
        assertThat(ReadModelCheck.differences(ledger.database())).allSatisfy((check, differences) -> assertThat(differences).as(check).isZero());
        assertThat(ledger.count("SELECT sum(messages) FROM status_counts WHERE granularity = 'day'")).isEqualTo(3_000);

        // Hours later: reconciliation finds receipts for messages left at sent, a backfill brings earlier
        // queued events (the message's first-seen minute moves, across days for some), read receipts
        // follow deliveries, and new messages come by backfill. Imported straight into status_events
        // with an old inserted_at: the read model must count it all the same.
        List<Map<String, Object>> late = new ArrayList<>();
        long eventId = 1;
        for (List<Map<String, Object>> message : messages.subList(0, 600)) {
            Map<String, Object> last = message.get(message.size() - 1);
            Instant queuedAt = Instant.from(CLICKHOUSE_TIME.parse((String) message.get(0).get("event_time")));
            switch (last.get("status").toString()) {
                case "sent", "queued" -> late.add(GeneratedTraffic.withStatus(last, "delivered", null, queuedAt.plusSeconds(3_600), "reconcile", eventId++));
                case "delivered" -> late.add(GeneratedTraffic.withStatus(last, "read", null, queuedAt.plusSeconds(7_200), "reconcile", eventId++));
                default -> late.add(GeneratedTraffic.withStatus(message.get(0), "queued", null, queuedAt.minus(Duration.ofHours(30)), "backfill", eventId++));
            }
        }
        for (int i = 0; i < 200; i++) {
            late.addAll(traffic.message(now.minus(Duration.ofDays(2)), "backfill"));
        }
        String importedAt = CLICKHOUSE_TIME.format(now.minus(Duration.ofDays(1)));
        late.forEach(row -> row.put("inserted_at", importedAt));
        Collections.shuffle(late, traffic.random());
        ledger.insert(late);
        ledger.awaitApplied(second);
        assertThat(ReadModelCheck.differences(ledger.database())).allSatisfy((check, differences) -> assertThat(differences).as(check).isZero());
        assertThat(ledger.count("SELECT sum(messages) FROM status_counts WHERE granularity = 'minute'")).isEqualTo(3_200);
        assertThat(ledger.count("SELECT sum(messages) FROM status_counts WHERE status = 'read'"))
                .as("read receipts counted").isGreaterThan(0);

        // A rebuild from status_events gives the same numbers; it is refused while an applier is at work.
        Map<String, Long> before = ledger.countsByStatus();
        assertThatThrownBy(() -> second.rebuild(Duration.ofMinutes(2), false))
                .hasMessageContaining("stop the services' appliers (readModel.apply: false) before rebuilding, or force it");
        ReadModelApplier.BuildResult rebuilt = first.rebuild(Duration.ofMinutes(2), true);
        assertThat(rebuilt.messages()).isEqualTo(3_200);
        assertThat(ledger.countsByStatus()).isEqualTo(before);
        assertThat(ReadModelCheck.differences(ledger.database())).allSatisfy((check, differences) -> assertThat(differences).as(check).isZero());
    }

    @Test
    void aSliceAppliedTwiceOrByTwoAppliersAtOnceIsCountedOnce()
            throws Exception
    {
        Ledger ledger = new Ledger("twice");
        GeneratedTraffic traffic = new GeneratedTraffic(7);
        ReadModelApplier first = ledger.applier("first");
        ReadModelApplier second = ledger.applier("second");
        first.applyAvailable();
        Instant now = Instant.now();
        ledger.insert(messagesWithinTheHour(traffic, now, 500));
        ledger.awaitApplied(first);
        Map<String, Long> counted = ledger.countsByStatus();
        assertThat(counted.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(500);

        // The second applier read the progress before the first recorded its slices: it applies them again.
        ledger.database().useHandle(handle -> handle.execute("DELETE FROM read_model_progress WHERE kind = 'slice'"));
        assertThat(second.applyAvailable()).isPositive();
        assertThat(ledger.countsByStatus()).isEqualTo(counted);

        // And at the same moment, for new slices, a few times over.
        for (int round = 0; round < 3; round++) {
            ledger.insert(messagesWithinTheHour(traffic, now, 200));
            Thread.sleep(SETTLE.plusMillis(1_100).toMillis());
            CountDownLatch ready = new CountDownLatch(2);
            CompletableFuture<Integer> one = CompletableFuture.supplyAsync(() -> applyWhenReady(first, ready));
            CompletableFuture<Integer> other = CompletableFuture.supplyAsync(() -> applyWhenReady(second, ready));
            assertThat(one.get() + other.get()).isPositive();
        }
        assertThat(ReadModelCheck.differences(ledger.database())).allSatisfy((check, differences) -> assertThat(differences).as(check).isZero());
        assertThat(ledger.count("SELECT sum(messages) FROM status_counts WHERE granularity = 'hour'")).isEqualTo(1_100);
    }

    @Test
    void anApplierResumesAfterTheHighestSliceRecordedHoweverLongTheHistory()
    {
        Ledger ledger = new Ledger("history");
        GeneratedTraffic traffic = new GeneratedTraffic(11);
        ReadModelApplier applier = ledger.applier("history");
        Instant now = Instant.now();
        ledger.insert(messagesWithinTheHour(traffic, now, 100));
        ledger.awaitApplied(applier);
        long latest = ledger.count("SELECT max(version) FROM read_model_progress WHERE kind = 'slice'");

        // Days of earlier slices, recorded after the latest one (as an applier that lagged behind
        // would): the applier goes on from the highest version, not from the record written last.
        ledger.database().useHandle(handle -> handle.execute(
                "INSERT INTO read_model_progress (version, kind, messages, applier) SELECT ? - 1000 * (1 + number), 'slice', 1, 'earlier' FROM numbers(200000)", latest));
        assertThat(applier.applyAvailable()).isZero();
        assertThat(applier.appliedThrough()).hasValueSatisfying(through -> assertThat(through.toEpochMilli()).isGreaterThanOrEqualTo(latest));

        ledger.insert(messagesWithinTheHour(traffic, now, 50));
        ledger.awaitApplied(applier);
        assertThat(ledger.count("SELECT sum(messages) FROM status_counts WHERE granularity = 'hour'")).isEqualTo(150);
        assertThat(ReadModelCheck.differences(ledger.database())).allSatisfy((check, differences) -> assertThat(differences).as(check).isZero());
    }

    /** The events of {@code messages} messages, each sent at a random time within the hour before {@code now}. */
    private static List<Map<String, Object>> messagesWithinTheHour(GeneratedTraffic traffic, Instant now, int messages)
    {
        List<Map<String, Object>> events = new ArrayList<>();
        for (int i = 0; i < messages; i++) {
            events.addAll(traffic.message(now.minusSeconds(traffic.random().nextInt(3_600)), "callback"));
        }
        return events;
    }

    private static int applyWhenReady(ReadModelApplier applier, CountDownLatch ready)
    {
        ready.countDown();
        try {
            ready.await();
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return applier.applyAvailable();
    }

    private static void applyWhile(ReadModelApplier applier, AtomicBoolean running)
    {
        while (running.get()) {
            applier.applyAvailable();
            try {
                Thread.sleep(50);
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** One database on the engine, migrated, and what the tests do with it. */
    private static final class Ledger
    {
        private final String name;
        private final ClickHouseFactory clickhouse;
        private final SchemaMigrator migrator;
        private final Jdbi database;

        Ledger(String name)
        {
            this.name = name;
            this.clickhouse = TestingLedger.clickhouseSettings(engine, name);
            this.migrator = clickhouse.buildMigrator();
            migrator.migrate();
            this.database = clickhouse.buildDatabaseJdbi();
        }

        ReadModelApplier applier(String applierName)
        {
            Client client = clickhouse.buildClient();
            return new ReadModelApplier(client, migrator, new ObjectMapper(), SETTLE, applierName, Clock.systemUTC(), new MetricRegistry());
        }

        void insert(List<Map<String, Object>> rows)
        {
            GeneratedTraffic.insert(engine, name, "status_events", rows);
        }

        Jdbi database()
        {
            return database;
        }

        long count(String sql)
        {
            return database.withHandle(handle -> handle.createQuery(sql).mapTo(Long.class).one());
        }

        Map<String, Long> countsByStatus()
        {
            return database.withHandle(handle -> handle.createQuery("SELECT toString(status) AS status, sum(messages) AS messages FROM status_counts WHERE granularity = 'day' GROUP BY status HAVING messages != 0")
                    .map((row, context) -> Map.entry(row.getString("status"), row.getLong("messages")))
                    .collectToMap(Map.Entry::getKey, Map.Entry::getValue));
        }

        void awaitApplied(ReadModelApplier applier)
        {
            ReadModelCheck.applyEverything(applier, database);
        }
    }
}
