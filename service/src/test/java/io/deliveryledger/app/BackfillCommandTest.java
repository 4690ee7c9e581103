package io.deliveryledger.app;

import io.deliveryledger.simulator.Simulation;
import io.deliveryledger.simulator.SimulationSettings;
import io.deliveryledger.simulator.Verifier;
import io.deliveryledger.simulator.VerifyReport;
import io.deliveryledger.testing.LedgerProcess;
import io.deliveryledger.testing.TestingClickHouseEngine;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code backfill} and {@code reconcile} as a user runs them: the command line, {@code config.yml} and environment variables. */
final class BackfillCommandTest
{
    private static final String ACCOUNT = "AC0123456789abcdef0123456789abcdef";
    private static final String TOKEN = "backfill-token";
    private static final String DATABASE = "backfill";
    private static final int MESSAGES = 600;

    @TempDir
    static Path directory;

    private static TestingClickHouseEngine engine;
    private static Simulation simulation;
    private static Path truth;

    @BeforeAll
    static void start()
            throws Exception
    {
        engine = new TestingClickHouseEngine(directory.resolve("clickhouse"));
        engine.start();
        truth = directory.resolve("truth.jsonl");
        // A first install: Twilio has the messages, the ledger has never heard of them.
        simulation = Simulation.start(SimulationSettings.builder()
                .target(URI.create("http://127.0.0.1:9/twilio/status"))
                .account(ACCOUNT, TOKEN)
                .messages(MESSAGES)
                .rate(2_000)
                .drop(1.0)
                .stepDelay(Duration.ofMillis(1), Duration.ofMillis(5))
                .apiPort(0)
                .truthFile(truth)
                .build());
        simulation.awaitTraffic(Duration.ofMinutes(1));
    }

    @AfterAll
    static void stop()
    {
        if (simulation != null) {
            simulation.close();
        }
        if (engine != null) {
            engine.close();
        }
    }

    @Test
    void backfillImportsAWindowOnceAndResumesByItsSlices()
            throws Exception
    {
        Instant from = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(1, ChronoUnit.HOURS);
        Instant to = from.plus(3, ChronoUnit.HOURS);

        String first = backfill("first", "--from", from.toString(), "--to", to.toString(), "--slice", "PT30M");

        assertThat(first).contains("6 slice(s), 0 already done, " + MESSAGES + " messages listed, " + MESSAGES + " new or changed");
        VerifyReport verify = Verifier.verify(truth, engine.httpUrl(), DATABASE, "default", "");
        assertThat(verify.allMatch()).as(verify.summaryLine()).isTrue();
        assertThat(count("SELECT count() FROM status_events WHERE source = 'backfill'")).isEqualTo(MESSAGES);
        assertThat(count("SELECT count() FROM reconciliation_runs WHERE trigger = 'backfill' AND outcome = 'completed'")).isEqualTo(6);
        long listPages = simulation.apiStatistics().listPages();

        // Run again: every slice is done, nothing is listed.
        String resumed = backfill("resumed", "--from", from.toString(), "--to", to.toString(), "--slice", "PT30M");
        assertThat(resumed).contains("6 slice(s), 6 already done, 0 messages listed, 0 new or changed");
        assertThat(simulation.apiStatistics().listPages()).isEqualTo(listPages);

        // Other slices list everything again, and store nothing twice.
        String again = backfill("again", "--from", from.toString(), "--to", to.toString(), "--slice", "PT1H");
        assertThat(again).contains(MESSAGES + " messages listed, 0 new or changed");
        assertThat(count("SELECT count() FROM status_events WHERE source = 'backfill'")).isEqualTo(MESSAGES);
        assertThat(count("SELECT uniqExact(message_sid) FROM status_events")).isEqualTo(MESSAGES);

        // The read model, rebuilt by its command from what the backfill stored, counts every message once.
        String rebuilt = run("rebuild-read-model", 0, "rebuild-read-model");
        assertThat(rebuilt).contains("Read model of database " + DATABASE + " rebuilt: " + MESSAGES + " messages counted");
        assertThat(count("SELECT sum(messages) FROM status_counts WHERE granularity = 'day'")).isEqualTo(MESSAGES);
        assertThat(count("SELECT sum(messages) FROM status_counts WHERE granularity = 'day' AND status IN ('delivered', 'read', 'undelivered', 'failed', 'canceled')"))
                .isEqualTo(count("SELECT count() FROM message_status WHERE status IN ('delivered', 'read', 'undelivered', 'failed', 'canceled')"));

        // The reconcile command over the same window: everything is known and final, nothing to fix.
        String reconcile = run("reconcile", 0, "reconcile", "--from", from.toString(), "--to", to.toString());
        assertThat(reconcile).contains("checked " + MESSAGES + ", fixed 0, not found 0");
        assertThat(count("SELECT count() FROM reconciliation_runs WHERE trigger = 'command' AND outcome = 'completed' AND checked = " + MESSAGES)).isEqualTo(1);
    }

    @Test
    void badArgumentsAreRefusedWithTheReason()
            throws Exception
    {
        assertThat(run("bad-slice", 1, "backfill", "--from", "2026-11-01", "--to", "2026-11-02", "--slice", "1 day"))
                .contains("--slice must be an ISO-8601 duration such as P1D or PT6H, got '1 day'");
        assertThat(run("bad-from", 1, "backfill", "--from", "last week", "--to", "2026-11-02"))
                .contains("'--from' must be an ISO-8601 instant (2026-11-26T08:00:00Z) or date (2026-11-26), got 'last week'");
    }

    private static String backfill(String name, String... arguments)
            throws Exception
    {
        List<String> command = new ArrayList<>(List.of("backfill"));
        command.addAll(List.of(arguments));
        return run(name, 0, command.toArray(String[]::new));
    }

    private static String run(String name, int expectedExitCode, String... arguments)
            throws IOException, InterruptedException
    {
        Path log = directory.resolve(name + ".log");
        ProcessBuilder builder = LedgerProcess.command("256m", arguments[0], Arrays.copyOfRange(arguments, 1, arguments.length))
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("JOURNAL_DIR", directory.resolve("journal").toString());
        builder.environment().put("CLICKHOUSE_URL", engine.httpUrl());
        builder.environment().put("CLICKHOUSE_DATABASE", DATABASE);
        builder.environment().put("TWILIO_ACCOUNT_SID", ACCOUNT);
        builder.environment().put("TWILIO_AUTH_TOKEN", TOKEN);
        builder.environment().put("TWILIO_API_BASE_URL", simulation.apiBaseUrl().toString());
        Process process = builder.start();
        assertThat(process.waitFor(2, TimeUnit.MINUTES)).as("backfill finished").isTrue();
        String output = Files.readString(log);
        assertThat(process.exitValue()).as(output).isEqualTo(expectedExitCode);
        return output;
    }

    private static long count(String sql)
    {
        return Jdbi.create(engine.jdbcUrl(DATABASE)).withHandle(handle -> handle.createQuery(sql).mapTo(Long.class).one());
    }
}
