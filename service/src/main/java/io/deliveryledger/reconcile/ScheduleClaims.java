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
 * ({@code reconcile_claims}): each instance inserts a claim for the slot with a deduplication token
 * naming the slot, ClickHouse stores only the first, and the instance that reads back its own name
 * runs. No slot is claimed while the run of the latest claim has not recorded its end, so runs never
 * overlap, unless that run was claimed longer ago than {@code abandonedAfter} (its instance died mid-run).
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

    /**
     * Claims the slot of {@code interval} that {@code now} is in; true when this instance won it. Loses
     * without trying while the run of the latest claim, made less than {@code abandonedAfter} ago, has
     * not recorded its end in {@code reconciliation_runs}.
     */
    public boolean claim(Instant now, Duration interval, Duration abandonedAfter)
    {
        // The first run may come before the batch writer has created the tables; once current, this asks nothing.
        migrator.migrate();
        long slotMillis = Math.floorDiv(now.toEpochMilli(), interval.toMillis()) * interval.toMillis();
        Instant slot = Instant.ofEpochMilli(slotMillis);
        String name = slotName(slot);
        Optional<Instant> previous = latestClaimBefore(name, now);
        if (previous.isPresent() && previous.get().isAfter(now.minus(abandonedAfter)) && !scheduledRunRecorded(previous.get(), interval)) {
            return false;
        }
        try (Handle handle = insertHandles.open("reconcile-claim:" + name)) {
            handle.createUpdate("INSERT INTO reconcile_claims (slot, instance, claimed_at) SELECT :slot, :instance, :claimedAt")
                    .bind("slot", name)
                    .bind("instance", instance)
                    .bind("claimedAt", Timestamp.from(now))
                    .execute();
        }
        return jdbi.withHandle(handle -> handle.createQuery("SELECT instance FROM reconcile_claims WHERE slot = :slot ORDER BY claimed_at, instance LIMIT 1")
                .bind("slot", name)
                .mapTo(String.class)
                .findOne()).filter(instance::equals).isPresent();
    }

    /** When the latest claim of another slot was made; slots nobody claimed do not count. */
    private Optional<Instant> latestClaimBefore(String slot, Instant now)
    {
        return jdbi.withHandle(handle -> handle.createQuery("SELECT max(claimed_at) FROM reconcile_claims WHERE slot != :slot AND claimed_at <= :now HAVING count() > 0")
                .bind("slot", slot)
                .bind("now", Timestamp.from(now))
                .mapTo(Timestamp.class)
                .findOne()
                .map(Timestamp::toInstant));
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

    private static String slotName(Instant slot)
    {
        return "schedule:" + slot;
    }
}
