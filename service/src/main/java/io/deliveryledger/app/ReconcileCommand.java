package io.deliveryledger.app;

import io.deliveryledger.reconcile.ReconcileRequest;
import io.deliveryledger.reconcile.ReconciliationRun;
import io.deliveryledger.reconcile.TimeWindow;
import io.deliveryledger.reconcile.Trigger;
import io.dropwizard.core.cli.ConfiguredCommand;
import io.dropwizard.core.setup.Bootstrap;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;

import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Optional;

/**
 * {@code reconcile config.yml [--from T --to T] [--stale-after PT12H]}: one reconciliation run, as the
 * server's schedule would make it (discovery of yesterday unless a window is given), then exits.
 */
final class ReconcileCommand
        extends ConfiguredCommand<DeliveryLedgerConfiguration>
{
    ReconcileCommand()
    {
        super("reconcile", "Fetch stale messages and list a window of messages from Twilio's API, then exit");
    }

    @Override
    public void configure(Subparser subparser)
    {
        super.configure(subparser);
        subparser.addArgument("--from").help("start of the discovery window, an ISO-8601 instant or date (default: yesterday, UTC)");
        subparser.addArgument("--to").help("end of the discovery window, exclusive (default: today, UTC)");
        subparser.addArgument("--stale-after").dest("staleAfter").help("ISO-8601 duration replacing the configured stale thresholds, e.g. PT1H");
    }

    @Override
    protected void run(Bootstrap<DeliveryLedgerConfiguration> bootstrap, Namespace namespace, DeliveryLedgerConfiguration configuration)
            throws Exception
    {
        ReconcileRequest request = new ReconcileRequest(Trigger.COMMAND, Optional.ofNullable(namespace.getString("staleAfter")).map(value -> ReconcileRequest.parseStaleAfter("--stale-after", value)), Optional.of(window(namespace.getString("from"), namespace.getString("to"))));
        ReconciliationRun run;
        try (CommandPipeline pipeline = CommandPipeline.open("reconcile", configuration)) {
            // The stale query reads the read model.
            pipeline.applyReadModel(configuration);
            run = pipeline.reconciler().run(request);
        }
        System.out.println(run.summary());
        if (!run.completed()) {
            throw new IllegalStateException("Reconciliation failed: " + run.error().orElseThrow());
        }
    }

    private static TimeWindow window(String from, String to)
    {
        if ((from == null) != (to == null)) {
            throw new IllegalArgumentException("--from and --to go together: give both or neither");
        }
        if (from == null) {
            LocalDate today = LocalDate.now(ZoneOffset.UTC);
            return new TimeWindow(today.minusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant(), today.atStartOfDay(ZoneOffset.UTC).toInstant());
        }
        return new TimeWindow(TimeWindow.parseInstant("--from", from), TimeWindow.parseInstant("--to", to));
    }

}
