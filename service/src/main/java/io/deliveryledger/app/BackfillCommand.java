package io.deliveryledger.app;

import io.deliveryledger.reconcile.ReconcileRequest;
import io.deliveryledger.reconcile.ReconciliationRun;
import io.deliveryledger.reconcile.TimeWindow;
import io.deliveryledger.reconcile.Trigger;
import io.dropwizard.core.cli.ConfiguredCommand;
import io.dropwizard.core.setup.Bootstrap;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code backfill config.yml --from T --to T [--slice P1D]}: imports every message of a window from
 * Twilio's API, for a first install. The window is walked in slices; each completed slice is recorded
 * in {@code reconciliation_runs}, so a second run skips it (resumable), and a slice run again writes
 * only what the ledger does not know yet (idempotent).
 */
final class BackfillCommand
        extends ConfiguredCommand<DeliveryLedgerConfiguration>
{
    BackfillCommand()
    {
        super("backfill", "Import all messages sent in a window from Twilio's API (resumable)");
    }

    @Override
    public void configure(Subparser subparser)
    {
        super.configure(subparser);
        subparser.addArgument("--from").required(true).help("start of the window, an ISO-8601 instant or date (UTC)");
        subparser.addArgument("--to").required(true).help("end of the window, exclusive");
        subparser.addArgument("--slice").setDefault("P1D").help("ISO-8601 duration of the unit of progress and resumption (default P1D)");
    }

    @Override
    protected void run(Bootstrap<DeliveryLedgerConfiguration> bootstrap, Namespace namespace, DeliveryLedgerConfiguration configuration)
            throws Exception
    {
        TimeWindow window = new TimeWindow(TimeWindow.parseInstant("--from", namespace.getString("from")), TimeWindow.parseInstant("--to", namespace.getString("to")));
        List<TimeWindow> slices = slices(window, slice(namespace.getString("slice")));
        try (CommandPipeline pipeline = CommandPipeline.open("backfill", configuration)) {
            Set<TimeWindow> done = new HashSet<>(pipeline.ledger().completedWindows(List.of(Trigger.BACKFILL), window.from(), window.to()));
            AtomicLong listed = new AtomicLong();
            AtomicLong imported = new AtomicLong();
            int skipped = 0;
            try (ProgressBar progress = new ProgressBarBuilder()
                    .setTaskName("backfill")
                    .setInitialMax(slices.size())
                    .setUnit(" slices", 1)
                    .setStyle(ProgressBarStyle.ASCII)
                    .continuousUpdate()
                    .build()) {
                for (TimeWindow slice : slices) {
                    if (done.contains(slice)) {
                        skipped++;
                        progress.step();
                        continue;
                    }
                    progress.setExtraMessage(slice.from() + ": " + listed.get() + " listed");
                    ReconciliationRun run = pipeline.reconciler().run(
                            new ReconcileRequest(Trigger.BACKFILL, Optional.empty(), Optional.of(slice)),
                            messages -> progress.setExtraMessage(slice.from() + ": " + listed.addAndGet(messages) + " listed"));
                    if (!run.completed()) {
                        throw new IllegalStateException("Backfill stopped at " + slice.from() + ": " + run.error().orElseThrow() + " (run it again to resume; completed slices are skipped)");
                    }
                    imported.addAndGet(run.fixed());
                    progress.step();
                }
            }
            System.out.printf("backfill %s to %s: %d slice(s), %d already done, %d messages listed, %d new or changed%n",
                    window.from(), window.to(), slices.size(), skipped, listed.get(), imported.get());
        }
    }

    private static Duration slice(String value)
    {
        try {
            Duration slice = Duration.parse(value);
            if (slice.isNegative() || slice.isZero()) {
                throw new IllegalArgumentException("--slice must be positive, got " + value);
            }
            return slice;
        }
        catch (DateTimeParseException e) {
            throw new IllegalArgumentException("--slice must be an ISO-8601 duration such as P1D or PT6H, got '" + value + "'");
        }
    }

    private static List<TimeWindow> slices(TimeWindow window, Duration slice)
    {
        List<TimeWindow> slices = new ArrayList<>();
        for (Instant start = window.from(); start.isBefore(window.to()); start = start.plus(slice)) {
            Instant end = start.plus(slice).isAfter(window.to()) ? window.to() : start.plus(slice);
            slices.add(new TimeWindow(start, end));
        }
        return slices;
    }
}
