package io.deliveryledger.app;

import com.codahale.metrics.MetricRegistry;
import io.deliveryledger.event.LedgerRecordCodec;
import io.deliveryledger.journal.Journal;
import io.deliveryledger.journal.JournalSettings;
import io.deliveryledger.testing.StatusCallbacks;
import io.deliveryledger.testing.LedgerProcess;
import io.deliveryledger.testing.TestingEngineExtension;
import io.deliveryledger.twilio.ParsedWebhook;
import io.deliveryledger.twilio.WebhookParser;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code drain} as an operator runs it on a stopped instance's volume before removing it. */
final class DrainCommandTest
{
    private static final String ACCOUNT = "AC" + "9".repeat(32);
    private static final String DATABASE = "drain";

    @RegisterExtension
    static final TestingEngineExtension ENGINE = new TestingEngineExtension();

    @TempDir
    static Path directory;

    @Test
    void everyRecordOfTheServersAndTheCommandsJournalsReachesClickHouseAndNothingIsLeft()
            throws Exception
    {
        Path volume = directory.resolve("volume");
        List<String> sids = new ArrayList<>();
        sids.addAll(append(volume.resolve("journal"), 300));
        sids.addAll(append(volume.resolve("journal-reconcile"), 20));

        // While the journal is in use (the server still runs), drain refuses and touches nothing.
        try (Journal held = openJournal(volume.resolve("journal"))) {
            assertThat(drain(volume, ENGINE.engine().httpUrl(), 1, "--timeout", "PT10S")).contains("is in use by another process");
        }
        // ClickHouse unreachable: it gives up after the timeout, and the records stay.
        String unreachable = drain(volume, "http://127.0.0.1:9", 1, "--timeout", "PT3S");
        assertThat(unreachable).contains("still holds 300 unconfirmed record(s) after the timeout").contains("nothing was lost");

        String drained = drain(volume, ENGINE.engine().httpUrl(), 0);

        assertThat(drained).contains("journal: 300 record(s) confirmed by ClickHouse, none left")
                .contains("journal-reconcile: 20 record(s) confirmed by ClickHouse, none left")
                .contains("its volume can be removed");
        long stored = Jdbi.create(ENGINE.engine().jdbcUrl(DATABASE)).withHandle(handle -> handle.createQuery("SELECT uniqExact(message_sid) FROM status_events WHERE message_sid IN (<sids>)")
                .bindList("sids", sids).mapTo(Long.class).one());
        assertThat(stored).isEqualTo(320);
        for (String journal : List.of("journal", "journal-reconcile")) {
            try (Journal reopened = openJournal(volume.resolve(journal))) {
                assertThat(reopened.lag()).as(journal).isZero();
            }
        }
        assertThat(drain(volume, "http://127.0.0.1:9", 0, "--timeout", "PT3S")).as("nothing left: done without ClickHouse").contains("0 record(s) confirmed");
    }

    private static List<String> append(Path journalDirectory, int records)
            throws Exception
    {
        LedgerRecordCodec codec = new LedgerRecordCodec();
        List<String> sids = new ArrayList<>();
        try (Journal journal = openJournal(journalDirectory)) {
            for (int record = 0; record < records; record++) {
                String sid = StatusCallbacks.messageSid();
                ParsedWebhook parsed = new WebhookParser().parseStatusCallback(StatusCallbacks.callback(ACCOUNT, sid, "delivered"), Map.of(), Instant.now(), Optional.empty());
                journal.append(codec.encode(((ParsedWebhook.Accepted) parsed).event())).get();
                sids.add(sid);
            }
        }
        return sids;
    }

    private static Journal openJournal(Path journalDirectory)
            throws IOException
    {
        return Journal.open(new JournalSettings(journalDirectory, 1 << 20, 64 << 20, Duration.ZERO), new MetricRegistry());
    }

    private static String drain(Path volume, String clickhouseUrl, int expectedExitCode, String... arguments)
            throws IOException, InterruptedException
    {
        Path log = Files.createTempFile(directory, "drain", ".log");
        ProcessBuilder builder = LedgerProcess.command("256m", "drain", arguments).redirectErrorStream(true).redirectOutput(log.toFile());
        // No Twilio account: draining needs ClickHouse only.
        builder.environment().put("JOURNAL_DIR", volume.resolve("journal").toString());
        builder.environment().put("CLICKHOUSE_URL", clickhouseUrl);
        builder.environment().put("CLICKHOUSE_DATABASE", DATABASE);
        Process process = builder.start();
        assertThat(process.waitFor(2, TimeUnit.MINUTES)).as("drain finished").isTrue();
        String output = Files.readString(log);
        assertThat(process.exitValue()).as(output).isEqualTo(expectedExitCode);
        return output;
    }
}
