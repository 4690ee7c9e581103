package io.deliveryledger.app;

import com.clickhouse.client.api.Client;
import com.codahale.metrics.MetricRegistry;
import io.deliveryledger.event.LedgerRecordCodec;
import io.deliveryledger.journal.Journal;
import io.deliveryledger.sink.BatchWriter;
import io.dropwizard.core.cli.ConfiguredCommand;
import io.dropwizard.core.setup.Bootstrap;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;

/**
 * {@code drain config.yml [--timeout PT1H]}: sends everything an instance's journals hold to ClickHouse
 * and exits once nothing is left unconfirmed, so that the instance's volume can be removed when it is
 * scaled down. Run it after the server stopped, on its volume: it refuses a journal in use.
 */
final class DrainCommand
        extends ConfiguredCommand<DeliveryLedgerConfiguration>
{
    DrainCommand()
    {
        super("drain", "Send every record in this instance's journals to ClickHouse, then exit (before removing its volume)");
    }

    @Override
    public void configure(Subparser subparser)
    {
        super.configure(subparser);
        subparser.addArgument("--timeout").setDefault("PT1H").help("ISO-8601 duration to wait for ClickHouse to confirm everything (default PT1H)");
    }

    @Override
    protected void run(Bootstrap<DeliveryLedgerConfiguration> bootstrap, Namespace namespace, DeliveryLedgerConfiguration configuration)
            throws Exception
    {
        Duration timeout = timeout(namespace.getString("timeout"));
        Instant deadline = Instant.now().plus(timeout);
        List<Path> journals = configuration.getJournal().existingJournals();
        if (journals.isEmpty()) {
            System.out.println("No journal at " + Path.of(configuration.getJournal().getDirectory()).toAbsolutePath() + ": nothing to drain.");
            return;
        }
        ClickHouseFactory clickhouse = configuration.getClickhouse();
        for (Path directory : journals) {
            MetricRegistry metrics = new MetricRegistry();
            try (Journal journal = configuration.getJournal().open(directory, metrics); Client client = clickhouse.buildClient()) {
                BatchWriter writer = new BatchWriter(journal, new LedgerRecordCodec(), clickhouse.buildMigrator(), clickhouse.buildInsertHandles(), client, configuration.getBatchWriter().policy(), InstanceName.host(), Clock.systemUTC(), metrics);
                long unconfirmed = journal.lag();
                writer.start();
                try {
                    awaitDrained(directory, journal, writer, unconfirmed, deadline);
                }
                finally {
                    writer.stop();
                }
                System.out.printf("Journal %s: %d record(s) confirmed by ClickHouse, none left.%n", directory, unconfirmed);
            }
        }
        System.out.println("Drained: every journal of this instance is confirmed by ClickHouse; its volume can be removed.");
    }

    private static void awaitDrained(Path directory, Journal journal, BatchWriter writer, long unconfirmed, Instant deadline)
            throws InterruptedException
    {
        try (ProgressBar progress = new ProgressBarBuilder()
                .setTaskName("drain " + directory.getFileName())
                .setInitialMax(unconfirmed)
                .setUnit(" records", 1)
                .setStyle(ProgressBarStyle.ASCII)
                .continuousUpdate()
                .build()) {
            while (journal.lag() > 0) {
                progress.stepTo(unconfirmed - journal.lag());
                if (Instant.now().isAfter(deadline)) {
                    throw new IllegalStateException("Journal " + directory + " still holds " + journal.lag() + " unconfirmed record(s) after the timeout"
                            + writer.failure().map(failure -> " (" + failure + ")").orElse("")
                            + "; nothing was lost, run drain again once ClickHouse takes inserts");
                }
                Thread.sleep(200);
            }
            progress.stepTo(unconfirmed);
        }
    }

    private static Duration timeout(String value)
    {
        try {
            return Duration.parse(value);
        }
        catch (DateTimeParseException e) {
            throw new IllegalArgumentException("--timeout must be an ISO-8601 duration such as PT1H, got '" + value + "'");
        }
    }
}
