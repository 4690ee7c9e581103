package io.deliveryledger.health;

import com.codahale.metrics.health.HealthCheck;
import io.deliveryledger.journal.Journal;

import static java.util.Objects.requireNonNull;

/**
 * The journal still writes: a callback can be made durable and answered. Part of liveness, so it
 * leaves out what a restart does not fix: ClickHouse down, the journal full (Twilio gets a correct
 * 503 and retries), little disk space; {@link JournalHealthCheck} and {@link DiskSpaceHealthCheck}
 * report those for readiness.
 */
public final class JournalWriterHealthCheck
        extends HealthCheck
{
    private final Journal journal;

    public JournalWriterHealthCheck(Journal journal)
    {
        this.journal = requireNonNull(journal, "journal is null");
    }

    @Override
    protected Result check()
    {
        return journal.stoppedReason()
                .map(reason -> Result.unhealthy("Callbacks cannot be journaled: " + reason))
                .orElseGet(() -> Result.healthy("Writing to " + journal.directory()));
    }
}
