package io.deliveryledger.sink;

import io.deliveryledger.intake.ForbiddenRequests;
import io.dropwizard.lifecycle.Managed;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Timestamp;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static java.util.Objects.requireNonNull;

/**
 * Writes the counts of requests refused for their signature to {@code forbidden_requests} every
 * {@code interval}. Counts that cannot be written are kept for the next attempt.
 */
public final class ForbiddenRequestWriter
        implements Managed
{
    private static final Logger log = LoggerFactory.getLogger(ForbiddenRequestWriter.class);
    private static final String INSERT = "INSERT INTO forbidden_requests (minute, endpoint, reason, requests) VALUES (?, ?, ?, ?)";

    private final ForbiddenRequests forbiddenRequests;
    private final Jdbi jdbi;
    private final Duration interval;
    private ScheduledExecutorService executor;

    public ForbiddenRequestWriter(ForbiddenRequests forbiddenRequests, Jdbi jdbi, Duration interval)
    {
        this.forbiddenRequests = requireNonNull(forbiddenRequests, "forbiddenRequests is null");
        this.jdbi = requireNonNull(jdbi, "jdbi is null");
        this.interval = requireNonNull(interval, "interval is null");
    }

    @Override
    public synchronized void start()
    {
        if (executor != null) {
            return;
        }
        executor = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "forbidden-request-writer");
            thread.setDaemon(true);
            return thread;
        });
        executor.scheduleWithFixedDelay(this::flush, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public synchronized void stop()
            throws InterruptedException
    {
        if (executor == null) {
            return;
        }
        executor.shutdown();
        executor.awaitTermination(10, TimeUnit.SECONDS);
        executor = null;
        flush();
    }

    public void flush()
    {
        Map<ForbiddenRequests.Key, Long> counts = forbiddenRequests.drain();
        if (counts.isEmpty()) {
            return;
        }
        try {
            jdbi.useHandle(handle -> {
                PreparedBatch insert = handle.prepareBatch(INSERT);
                counts.forEach((key, requests) -> insert.add(Timestamp.from(key.minute()), key.endpoint(), key.reason(), requests));
                insert.execute();
            });
        }
        catch (RuntimeException e) {
            forbiddenRequests.restore(counts);
            log.warn("Could not write forbidden-request counts to ClickHouse, keeping them for the next attempt: {}", e.toString());
        }
    }
}
