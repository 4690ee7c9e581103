package io.deliveryledger.sink;

import io.deliveryledger.intake.ForbiddenRequests;
import io.dropwizard.lifecycle.Managed;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Timestamp;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static java.util.Objects.requireNonNull;

/**
 * Writes the counts of requests refused for their signature to {@code forbidden_requests} every
 * {@code interval}. Counts that cannot be written are sent again as they were, with the same
 * deduplication token, before any newer counts: the table sums its rows, so an insert that was stored
 * although its answer was lost must not be stored twice.
 */
public final class ForbiddenRequestWriter
        implements Managed
{
    private static final Logger log = LoggerFactory.getLogger(ForbiddenRequestWriter.class);
    private static final String INSERT = "INSERT INTO forbidden_requests (minute, endpoint, reason, requests) VALUES (?, ?, ?, ?)";

    private final ForbiddenRequests forbiddenRequests;
    private final InsertHandles insertHandles;
    private final Duration interval;
    private ScheduledExecutorService executor;
    // Counts drained but not yet confirmed by ClickHouse, and the token they are sent with.
    private Map<ForbiddenRequests.Key, Long> unconfirmed = Map.of();
    private String unconfirmedToken = "";

    public ForbiddenRequestWriter(ForbiddenRequests forbiddenRequests, InsertHandles insertHandles, Duration interval)
    {
        this.forbiddenRequests = requireNonNull(forbiddenRequests, "forbiddenRequests is null");
        this.insertHandles = requireNonNull(insertHandles, "insertHandles is null");
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

    public synchronized void flush()
    {
        if (unconfirmed.isEmpty()) {
            unconfirmed = forbiddenRequests.drain();
            unconfirmedToken = "forbidden_requests:" + UUID.randomUUID();
        }
        if (unconfirmed.isEmpty()) {
            return;
        }
        try (Handle handle = insertHandles.open(unconfirmedToken)) {
            PreparedBatch insert = handle.prepareBatch(INSERT);
            unconfirmed.forEach((key, requests) -> insert.add(Timestamp.from(key.minute()), key.endpoint(), key.reason(), requests));
            insert.execute();
            unconfirmed = Map.of();
        }
        catch (RuntimeException e) {
            log.warn("Could not write forbidden-request counts to ClickHouse, sending them again next time: {}", e.toString());
        }
    }
}
