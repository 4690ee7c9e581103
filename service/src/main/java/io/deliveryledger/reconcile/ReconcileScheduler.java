package io.deliveryledger.reconcile;

import io.dropwizard.lifecycle.Managed;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static java.util.Objects.requireNonNull;

/**
 * Reconciles inside the server: every {@code interval} the stale fetch, and on the first run of each
 * UTC day that finds yesterday not yet listed (by any run, the task and the command included), the
 * discovery of yesterday, Twilio's "reconcile at least once a day". Every instance schedules runs; of
 * those sharing a database, one per interval runs, the one that claims it (see {@link ScheduleClaims}).
 */
public final class ReconcileScheduler
        implements Managed
{
    private static final Logger log = LoggerFactory.getLogger(ReconcileScheduler.class);
    // A restart loop must not skip runs for ever, nor hit Twilio the moment the server is up
    // (unless the interval itself is shorter).
    private static final Duration FIRST_RUN_DELAY = Duration.ofMinutes(1);

    private final Reconciler reconciler;
    private final LedgerStates ledger;
    private final ScheduleClaims claims;
    private final Duration interval;
    private final Clock clock;
    private ScheduledExecutorService executor;

    public ReconcileScheduler(Reconciler reconciler, LedgerStates ledger, ScheduleClaims claims, Duration interval, Clock clock)
    {
        this.reconciler = requireNonNull(reconciler, "reconciler is null");
        this.ledger = requireNonNull(ledger, "ledger is null");
        this.claims = requireNonNull(claims, "claims is null");
        this.interval = requireNonNull(interval, "interval is null");
        this.clock = requireNonNull(clock, "clock is null");
    }

    @Override
    public synchronized void start()
    {
        if (executor != null) {
            return;
        }
        executor = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "reconcile-scheduler");
            thread.setDaemon(true);
            return thread;
        });
        long firstRunDelay = Math.min(FIRST_RUN_DELAY.toMillis(), interval.toMillis());
        executor.scheduleWithFixedDelay(this::runOnce, firstRunDelay, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public synchronized void stop()
            throws InterruptedException
    {
        if (executor == null) {
            return;
        }
        executor.shutdownNow();
        executor.awaitTermination(30, TimeUnit.SECONDS);
        executor = null;
    }

    /** Runs a reconciliation unless another instance has claimed this interval; true when it ran. */
    public boolean runOnce()
    {
        try {
            // Three intervals: a run longer than that is taken for one whose instance died.
            if (!claims.claim(clock.instant(), interval, interval.multipliedBy(3))) {
                log.debug("Scheduled reconciliation of this interval claimed by another instance, or the previous one still runs");
                return false;
            }
            reconciler.run(new ReconcileRequest(Trigger.SCHEDULE, Optional.empty(), yesterdayUnlessListed()));
            return true;
        }
        catch (Throwable e) {
            log.error("Scheduled reconciliation failed", e);
            return false;
        }
    }

    private Optional<TimeWindow> yesterdayUnlessListed()
    {
        LocalDate today = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
        Instant start = today.minusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        TimeWindow yesterday = new TimeWindow(start, today.atStartOfDay(ZoneOffset.UTC).toInstant());
        List<TimeWindow> listed = ledger.completedWindows(List.of(Trigger.SCHEDULE, Trigger.TASK, Trigger.COMMAND), yesterday.from(), yesterday.to());
        return listed.contains(yesterday) ? Optional.empty() : Optional.of(yesterday);
    }
}
