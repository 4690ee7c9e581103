package io.deliveryledger.report;

import com.clickhouse.client.api.Client;
import io.deliveryledger.analytics.AnalyticsFilter;
import io.deliveryledger.analytics.ClickHouseQueries;
import io.deliveryledger.analytics.DeliveryStatistics;
import io.deliveryledger.analytics.InvalidParameterException;
import io.deliveryledger.app.DeliveryLedgerConfiguration;
import io.deliveryledger.report.DeliveryReports.ReportBody;
import io.dropwizard.core.cli.Cli;
import io.dropwizard.core.cli.ConfiguredCommand;
import io.dropwizard.core.setup.Bootstrap;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import net.sourceforge.argparse4j.impl.Arguments;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;

import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * {@code export config.yml --from ... --to ... --group-by day,status --format csv --output FILE}: writes
 * a delivery report to a file, as {@code GET /api/v1/reports/delivery} serves it, with a progress bar
 * (bytes written) on standard error. The report is written beside the file and moved into its place
 * once complete: if ClickHouse fails part-way, the command exits non-zero and the file is not there (an
 * earlier file of that name is left as it was).
 */
public final class ExportCommand
        extends ConfiguredCommand<DeliveryLedgerConfiguration>
{
    private static final int MEBIBYTE = 1 << 20;

    public ExportCommand()
    {
        super("export", "Write a delivery report (csv, json, parquet or html) to a file");
    }

    @Override
    public void configure(Subparser subparser)
    {
        super.configure(subparser);
        subparser.addArgument("--from").help("first-seen time from, ISO-8601 (2026-11-01T00:00:00Z) or a date; default 7 days before --to");
        subparser.addArgument("--to").help("first-seen time before, ISO-8601 or a date; default now");
        subparser.addArgument("--group-by").dest("groupBy").help("comma-separated: minute, hour, day, week, month, status, error_code, country, number_type, channel, account, messaging_service, from, direction, tag:<key>; none: one row per message");
        subparser.addArgument("--format").setDefault("csv").help("csv, json, parquet or html");
        subparser.addArgument("--account-sid").dest("accountSid");
        subparser.addArgument("--messaging-service-sid").dest("messagingServiceSid");
        subparser.addArgument("--country");
        subparser.addArgument("--channel");
        subparser.addArgument("--tag").action(Arguments.append()).help("key:value, repeatable");
        subparser.addArgument("--output").required(true).help("the file to write");
    }

    @Override
    protected void run(Bootstrap<DeliveryLedgerConfiguration> bootstrap, Namespace namespace, DeliveryLedgerConfiguration configuration)
            throws Exception
    {
        List<String> tags = namespace.getList("tag");
        ReportRequest request;
        try {
            AnalyticsFilter filter = AnalyticsFilter.parse(
                    optional(namespace, "from"),
                    optional(namespace, "to"),
                    optional(namespace, "accountSid"),
                    optional(namespace, "messagingServiceSid"),
                    optional(namespace, "country"),
                    optional(namespace, "channel"),
                    tags == null ? List.of() : tags,
                    Clock.systemUTC().instant());
            request = ReportRequest.parse(filter, optional(namespace, "groupBy"), optional(namespace, "format"));
        }
        catch (InvalidParameterException e) {
            String option = "--" + e.parameter().replaceAll("([A-Z])", "-$1").toLowerCase(Locale.ROOT);
            throw new IllegalArgumentException(e.getMessage().replace("Parameter '" + e.parameter() + "'", "Option " + option), e);
        }
        Path output = Path.of(namespace.getString("output")).toAbsolutePath();
        try (Client client = configuration.getClickhouse().buildClient()) {
            ClickHouseQueries queries = new ClickHouseQueries(client, bootstrap.getObjectMapper());
            DeliveryReports reports = new DeliveryReports(queries, new DeliveryStatistics(queries, bootstrap.getObjectMapper(), configuration.getReconcile().lookback(), Clock.systemUTC()));
            ProgressBarBuilder progress = new ProgressBarBuilder()
                    .setTaskName("Exporting " + output.getFileName())
                    .setInitialMax(-1)
                    .setUnit("MiB", MEBIBYTE)
                    .setStyle(ProgressBarStyle.ASCII)
                    .setConsumer(new ConsoleProgressBarConsumer(System.err))
                    .showSpeed();
            // Created as the file itself would be (a temporary file would be readable by its owner only).
            Path partial = output.resolveSibling("." + output.getFileName() + ".partial");
            try {
                try (ReportBody body = reports.open(request);
                        OutputStream file = ProgressBar.wrap(new BufferedOutputStream(Files.newOutputStream(partial)), progress)) {
                    body.writeTo(file);
                }
                Files.move(partial, output, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
            finally {
                Files.deleteIfExists(partial);
            }
        }
        System.err.printf("Wrote %s (%d bytes)%n", output, Files.size(output));
    }

    /**
     * A wrong option is the user's mistake, and a report ClickHouse broke off is ClickHouse's: their
     * messages are enough, without a stack trace.
     */
    @Override
    public void onError(Cli cli, Namespace namespace, Throwable error)
    {
        if (error instanceof IllegalArgumentException && error.getCause() instanceof InvalidParameterException) {
            cli.getStdErr().println(error.getMessage());
            return;
        }
        if (error instanceof IncompleteReportException) {
            cli.getStdErr().printf("Export failed, %s not written: %s%n", namespace.getString("output"), error.getMessage());
            return;
        }
        super.onError(cli, namespace, error);
    }

    private static Optional<String> optional(Namespace namespace, String name)
    {
        return Optional.ofNullable(namespace.getString(name));
    }
}
