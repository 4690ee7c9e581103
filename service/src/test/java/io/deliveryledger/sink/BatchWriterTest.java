package io.deliveryledger.sink;

import com.codahale.metrics.MetricRegistry;
import io.deliveryledger.app.ClickHouseFactory;
import io.deliveryledger.event.LedgerRecordCodec;
import io.deliveryledger.event.StatusEvent;
import io.deliveryledger.journal.Journal;
import io.deliveryledger.journal.JournalSettings;
import io.deliveryledger.testing.StatusCallbacks;
import io.deliveryledger.testing.TestingClickHouseEngine;
import io.deliveryledger.testing.TestingLedger;
import io.deliveryledger.twilio.ParsedWebhook;
import io.deliveryledger.twilio.WebhookParser;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

final class BatchWriterTest
{
    private static final String ACCOUNT = "AC" + "6".repeat(32);

    @TempDir
    Path directory;

    @Test
    void storesEveryJournalRecordAndAcknowledgesThemEvenAnUndecodableOne()
            throws Exception
    {
        try (TestingClickHouseEngine engine = new TestingClickHouseEngine(directory.resolve("clickhouse"))) {
            engine.start();
            ClickHouseFactory clickhouse = TestingLedger.clickhouseSettings(engine, "writer");
            LedgerRecordCodec codec = new LedgerRecordCodec();
            BatchPolicy policy = new BatchPolicy(1000, 1 << 20, Duration.ofMillis(20), Duration.ofMillis(50), Duration.ofMillis(200), Duration.ofHours(1));

            try (Journal journal = Journal.open(new JournalSettings(directory.resolve("journal"), 1 << 20, 16 << 20, Duration.ZERO), new MetricRegistry())) {
                String before = StatusCallbacks.messageSid();
                String after = StatusCallbacks.messageSid();
                journal.append(codec.encode(event(before))).get();
                // Passes its checksum but is no ledger record: written by some incompatible version.
                journal.append("{\"type\":\"from_the_future\"}".getBytes(StandardCharsets.UTF_8)).get();
                journal.append(codec.encode(event(after))).get();

                BatchWriter writer = new BatchWriter(journal, codec, clickhouse.buildMigrator(), clickhouse.buildInsertHandles(), policy, Clock.systemUTC(), new MetricRegistry());
                writer.start();
                try {
                    await().atMost(Duration.ofSeconds(30)).until(() -> journal.lag() == 0);
                }
                finally {
                    writer.stop();
                }

                Jdbi database = clickhouse.buildDatabaseJdbi();
                long stored = database.withHandle(handle -> handle.createQuery("SELECT count() FROM status_events WHERE message_sid IN (:a, :b)")
                        .bind("a", before).bind("b", after).mapTo(Long.class).one());
                assertThat(stored).isEqualTo(2);
                Map<String, Object> quarantined = database.withHandle(handle -> handle.createQuery(
                                "SELECT endpoint, reason, parameters['payload'] AS payload, journal_position FROM rejected_requests")
                        .mapToMap().one());
                assertThat(quarantined).containsEntry("endpoint", "journal")
                        .containsEntry("reason", "undecodable_journal_record")
                        .containsEntry("payload", "{\"type\":\"from_the_future\"}");
                assertThat(((Number) quarantined.get("journal_position")).longValue()).isEqualTo(1);
                assertThat(writer.lastInsertAt()).isPresent();
                assertThat(writer.failure()).isEmpty();
            }
        }
    }

    private static StatusEvent event(String sid)
    {
        ParsedWebhook parsed = new WebhookParser().parseStatusCallback(StatusCallbacks.callback(ACCOUNT, sid, "delivered"), Map.of(), Instant.now(), Optional.empty());
        return ((ParsedWebhook.Accepted) parsed).event();
    }
}
