package io.deliveryledger.health;

import com.codahale.metrics.health.HealthCheck;
import io.deliveryledger.journal.Journal;
import io.deliveryledger.sink.BatchWriter;

import static java.util.Objects.requireNonNull;

/**
 * How far ClickHouse is behind the journal. Unhealthy while inserts keep failing or when the journal
 * is close to its cap (at the cap, Twilio gets 503s and callbacks are lost).
 */
public final class JournalHealthCheck
        extends HealthCheck
{
    private static final double NEARLY_FULL = 0.8;

    private final Journal journal;
    private final BatchWriter batchWriter;

    public JournalHealthCheck(Journal journal, BatchWriter batchWriter)
    {
        this.journal = requireNonNull(journal, "journal is null");
        this.batchWriter = requireNonNull(batchWriter, "batchWriter is null");
    }

    @Override
    protected Result check()
    {
        long bytes = journal.unconfirmedBytes();
        String state = "%d records (%d bytes, %.1f%% of the cap) wait for ClickHouse".formatted(journal.lag(), bytes, 100.0 * bytes / journal.maxUnconfirmedBytes());
        if (bytes > NEARLY_FULL * journal.maxUnconfirmedBytes()) {
            return Result.unhealthy("Journal nearly full: " + state);
        }
        return batchWriter.failure()
                .map(failure -> Result.unhealthy(state + "; " + failure))
                .orElseGet(() -> Result.healthy(state));
    }
}
