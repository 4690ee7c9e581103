package io.deliveryledger.readmodel;

import io.dropwizard.lifecycle.Managed;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static java.util.Objects.requireNonNull;

/** Applies the read model every {@code interval} inside the server; a failed run is logged and retried at the next. */
public final class ReadModelScheduler
        implements Managed
{
    private static final Logger log = LoggerFactory.getLogger(ReadModelScheduler.class);

    private final ReadModelApplier applier;
    private final ScheduledExecutorService executor;
    private final Duration interval;
    private int consecutiveFailures;

    public ReadModelScheduler(ReadModelApplier applier, ScheduledExecutorService executor, Duration interval)
    {
        this.applier = requireNonNull(applier, "applier is null");
        this.executor = requireNonNull(executor, "executor is null");
        this.interval = requireNonNull(interval, "interval is null");
    }

    @Override
    public void start()
    {
        executor.scheduleWithFixedDelay(this::runOnce, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void stop() {}

    void runOnce()
    {
        try {
            applier.applyAvailable();
            if (consecutiveFailures > 0) {
                log.info("The read model applies again after {} failed runs", consecutiveFailures);
            }
            consecutiveFailures = 0;
        }
        catch (Throwable e) {
            consecutiveFailures++;
            // ClickHouse may be down for hours: the first failures in full, then one line in a hundred.
            if (consecutiveFailures <= 3) {
                log.warn("Applying the read model failed (attempt {}); retrying every {}", consecutiveFailures, interval, e);
            }
            else if (consecutiveFailures % 100 == 0) {
                log.warn("Applying the read model still fails ({} attempts): {}", consecutiveFailures, e.toString());
            }
        }
    }
}
