package io.deliveryledger.schema;

import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

import static java.util.Objects.requireNonNull;

/**
 * One migration at a time across the instances sharing a database, with ClickHouse as the referee
 * ({@code schema_migration_claims}). An instance claims a migration with an insert whose deduplication
 * token names the migration and the attempt: ClickHouse stores the first such insert and drops the
 * others, on one server and across replicas alike, so exactly one instance reads back its own name and
 * migrates, while the others wait until {@code schema_migrations} records the version. The winner renews
 * its claim before each statement; a claim not renewed for {@code abandonedAfter} (its instance died
 * mid-migration) is given up, and so is at once the claim of a process of this host that is gone (a
 * crash and a restart); the next attempt is claimed the same way. The statements are idempotent, so the
 * new winner finishes what the old one began.
 */
final class MigrationClaims
{
    private static final Logger log = LoggerFactory.getLogger(MigrationClaims.class);

    private final Jdbi database;
    private final String instance;
    private final Duration abandonedAfter;
    private final Duration pollInterval;

    /** @param instance this process, unique among the instances sharing the database */
    MigrationClaims(Jdbi database, String instance, Duration abandonedAfter, Duration pollInterval)
    {
        this.database = requireNonNull(database, "database is null");
        this.instance = requireNonNull(instance, "instance is null");
        this.abandonedAfter = requireNonNull(abandonedAfter, "abandonedAfter is null");
        this.pollInterval = requireNonNull(pollInterval, "pollInterval is null");
    }

    /**
     * Runs {@code migration} (given a way to renew the claim) once this instance won the claim of
     * {@code version}, or returns false as soon as {@code applied} says another instance applied it.
     */
    boolean runAlone(int version, BooleanSupplier applied, Consumer<Runnable> migration)
    {
        boolean waiting = false;
        while (!applied.getAsBoolean()) {
            Optional<Claim> latest = latestClaim(version);
            boolean held = latest.isPresent() && latest.get().ageMillis() < abandonedAfter.toMillis() && !latest.get().instance().equals(instance)
                    && !goneFromThisHost(latest.get().instance());
            if (!held) {
                int attempt = latest.map(claim -> claim.attempt() + 1).orElse(1);
                latest.filter(claim -> !claim.instance().equals(instance))
                        .ifPresent(claim -> log.warn("Schema migration {}: the claim of {} was not renewed for {} ms or its process is gone, claiming it anew", version, claim.instance(), claim.ageMillis()));
                if (claim(version, attempt)) {
                    migration.accept(() -> renew(version, attempt));
                    return true;
                }
            }
            if (!waiting) {
                log.info("Schema migration {} is being applied by another instance; waiting for it", version);
                waiting = true;
            }
            sleep();
        }
        return false;
    }

    private boolean claim(int version, int attempt)
    {
        // The token is ours alone (letters, digits, slashes: nothing to escape); the values travel as parameters.
        String token = "schema-migration/" + version + "/attempt/" + attempt;
        database.useHandle(handle -> handle.createUpdate("INSERT INTO schema_migration_claims (version, attempt, instance) "
                        + "SETTINGS insert_deduplication_token = '" + token + "' SELECT :version, :attempt, :instance")
                .bind("version", version)
                .bind("attempt", attempt)
                .bind("instance", instance)
                .execute());
        // On a cluster the winner's row may not have reached this replica yet: no row is a loss too.
        return database.withHandle(handle -> handle.createQuery("SELECT argMin(instance, claimed_at) FROM schema_migration_claims WHERE version = :version AND attempt = :attempt HAVING count() > 0")
                .bind("version", version)
                .bind("attempt", attempt)
                .mapTo(String.class)
                .findOne()).filter(instance::equals).isPresent();
    }

    private void renew(int version, int attempt)
    {
        database.useHandle(handle -> handle.createUpdate("INSERT INTO schema_migration_claims (version, attempt, instance) SELECT :version, :attempt, :instance")
                .bind("version", version)
                .bind("attempt", attempt)
                .bind("instance", instance)
                .execute());
    }

    /** The latest attempt at {@code version}: who won it and how long ago (server time) it was last renewed. */
    private Optional<Claim> latestClaim(int version)
    {
        return database.withHandle(handle -> handle.createQuery("""
                        SELECT attempt, argMin(instance, claimed_at) AS instance, dateDiff('millisecond', max(claimed_at), now64(3)) AS age
                        FROM schema_migration_claims
                        WHERE version = :version
                        GROUP BY attempt
                        ORDER BY attempt DESC
                        LIMIT 1""")
                .bind("version", version)
                .map((row, context) -> new Claim(row.getInt("attempt"), row.getString("instance"), row.getLong("age")))
                .findOne());
    }

    /**
     * Whether {@code claimant} ({@code host/pid/random}, see the service's instance names) was a process
     * of this host that no longer runs: the usual case of a migration cut short, a crash and a restart,
     * which then need not wait out {@code abandonedAfter}. The same pid under another name is an earlier
     * run of this very process's container.
     */
    private boolean goneFromThisHost(String claimant)
    {
        String[] theirs = claimant.split("/");
        String[] ours = instance.split("/");
        if (theirs.length != 3 || ours.length != 3 || !theirs[0].equals(ours[0])) {
            return false;
        }
        try {
            long pid = Long.parseLong(theirs[1]);
            return pid == ProcessHandle.current().pid() || ProcessHandle.of(pid).map(process -> !process.isAlive()).orElse(true);
        }
        catch (NumberFormatException e) {
            return false;
        }
    }

    private void sleep()
    {
        try {
            Thread.sleep(pollInterval.toMillis());
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for another instance's schema migration", e);
        }
    }

    private record Claim(int attempt, String instance, long ageMillis) {}
}
