package io.deliveryledger.reconcile;

import io.deliveryledger.schema.SchemaMigrator;
import io.deliveryledger.sink.InsertHandles;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * Decides which of several instances runs a scheduled reconciliation, with ClickHouse as the referee
 * ({@code reconcile_claims}). Claims are numbered: an instance reads the latest claim, and if its slot
 * is an earlier one and its run has recorded its end (or it was made longer ago than
 * {@code abandonedAfter}: its instance died mid-run), inserts the next number for its own slot. Two
 * instances that read the same latest claim compete for the same number, and the first row of that
 * number wins; the one that read too late finds the number taken. So runs never overlap, and each slot
 * is run at most once.
 */
public final class ScheduleClaims
{
    private final SchemaMigrator migrator;
    private final Jdbi jdbi;
    private final InsertHandles insertHandles;
    private final String instance;

    /** @param instance this process, unique among the instances sharing the database */
    public ScheduleClaims(SchemaMigrator migrator, Jdbi jdbi, InsertHandles insertHandles, String instance)
    {
        this.migrator = requireNonNull(migrator, "migrator is null");
        this.jdbi = requireNonNull(jdbi, "jdbi is null");
        this.insertHandles = requireNonNull(insertHandles, "insertHandles is null");
        this.instance = requireNonNull(instance, "instance is null");
    }

    /** Claims the slot of {@code interval} that {@code now} is in; true when this instance won it and should run. */
    public boolean claim(Instant now, Duration interval, Duration abandonedAfter)
    {
        // The first run may come before the batch writer has created the tables; once current, this asks nothing.
        migrator.migrate();
        long slotMillis = Math.floorDiv(now.toEpochMilli(), interval.toMillis()) * interval.toMillis();
        String slot = "schedule:" + Instant.ofEpochMilli(slotMillis);
        Optional<Claim> latest = latestClaim();
        if (latest.isPresent() && (latest.get().slot().equals(slot)
                || latest.get().claimedAt().isAfter(now.minus(abandonedAfter)) && !scheduledRunRecorded(latest.get().claimedAt(), interval))) {
            return false;
        }
        long next = latest.map(claim -> claim.number() + 1).orElse(1L);
        // The slot in the token too: after 30 days of silence the numbers start again, and a remembered token must not swallow them.
        try (Handle handle = insertHandles.open("reconcile-claim:" + next + ":" + slot)) {
            handle.createUpdate("INSERT INTO reconcile_claims (claim, slot, instance, claimed_at) SELECT :claim, :slot, :instance, :claimedAt")
                    .bind("claim", next)
                    .bind("slot", slot)
                    .bind("instance", instance)
                    .bind("claimedAt", Timestamp.from(now))
                    .execute();
        }
        return jdbi.withHandle(handle -> handle.createQuery("SELECT instance FROM reconcile_claims WHERE claim = :claim ORDER BY claimed_at, instance LIMIT 1")
                .bind("claim", next)
                .mapTo(String.class)
                .findOne()).filter(instance::equals).isPresent();
    }

    /** The claim with the highest number: its first row, the one that won it. */
    private Optional<Claim> latestClaim()
    {
        return jdbi.withHandle(handle -> handle.createQuery("SELECT claim, slot, claimed_at FROM reconcile_claims ORDER BY claim DESC, claimed_at, instance LIMIT 1")
                .map((row, context) -> new Claim(row.getLong("claim"), row.getString("slot"), row.getTimestamp("claimed_at").toInstant()))
                .findOne());
    }

    /** Whether the run of a claim has recorded its end: its instance starts it right after claiming. */
    private boolean scheduledRunRecorded(Instant claimedAt, Duration interval)
    {
        return jdbi.withHandle(handle -> handle.createQuery("SELECT count() FROM reconciliation_runs WHERE trigger = :trigger AND started_at >= :since AND started_at < :until")
                .bind("trigger", Trigger.SCHEDULE.columnValue())
                .bind("since", Timestamp.from(claimedAt))
                .bind("until", Timestamp.from(claimedAt.plus(interval)))
                .mapTo(Long.class)
                .one()) > 0;
    }

    private record Claim(long number, String slot, Instant claimedAt) {}
}
