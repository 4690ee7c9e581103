package io.deliveryledger.schema;

import io.deliveryledger.testing.TestingEngineExtension;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Several instances migrating one database (the local engine): each migration applied by one of them,
 * the others waiting for it; a migration whose instance died is finished by another; migrating again
 * is harmless. Single-server DDL; on a cluster the same claims go through replicated tables.
 */
final class MigrationClaimsIntegrationTest
{
    private static final Retention RETENTION = new Retention(Duration.ofDays(395), Duration.ofDays(90), Duration.ofDays(90));

    @RegisterExtension
    static final TestingEngineExtension ENGINE = new TestingEngineExtension();

    @Test
    void twoInstancesRacingApplyEachMigrationOnceAndBothFinishWithTheWholeSchema()
            throws Exception
    {
        String database = "race";
        int migrations = SchemaMigrator.resources().size() - 1;
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<CompletableFuture<Integer>> runs = List.of("first", "second").stream()
                    .map(instance -> CompletableFuture.supplyAsync(() -> {
                        awaitQuietly(start);
                        return migrator(database, instance, Duration.ofMinutes(5)).migrate();
                    }, pool))
                    .toList();
            start.countDown();
            int first = runs.get(0).get(3, TimeUnit.MINUTES);
            int second = runs.get(1).get(3, TimeUnit.MINUTES);

            assertThat(first + second).as("migrations applied, by either").isEqualTo(migrations);
        }
        finally {
            pool.shutdownNow();
        }
        Jdbi jdbi = Jdbi.create(ENGINE.engine().jdbcUrl(database));
        assertThat(rows(jdbi, "SELECT version AS key, uniqExact(instance) AS value FROM schema_migration_claims GROUP BY version"))
                .as("one instance claimed each version").hasSize(migrations).allSatisfy((version, instances) -> assertThat(instances).isEqualTo(1L));
        assertThat(rows(jdbi, "SELECT version AS key, count() AS value FROM schema_migrations GROUP BY version"))
                .hasSize(migrations).allSatisfy((version, records) -> assertThat(records).as("version %s recorded once", version).isEqualTo(1L));
        assertThat(count(jdbi, "SELECT count() FROM read_model_progress WHERE kind = 'created'")).isEqualTo(1);
        assertThat(count(jdbi, "SELECT count() FROM system.tables WHERE database = currentDatabase() AND name = 'status_events'")).isEqualTo(1);
    }

    @Test
    void aMigrationWhoseInstanceDiedIsFinishedByAnotherOnceItsClaimIsAbandoned()
    {
        String database = "abandoned";
        Duration abandonedAfter = Duration.ofSeconds(3);
        Jdbi jdbi = Jdbi.create(ENGINE.engine().jdbcUrl(database));
        Jdbi.create(ENGINE.engine().jdbcUrl("default")).useHandle(handle -> handle.execute("CREATE DATABASE " + database));
        // An instance claimed migration 1 and died after its first statement.
        jdbi.useHandle(handle -> {
            SchemaMigrator.statements("schema/bookkeeping.sql").forEach(handle::execute);
            handle.execute("INSERT INTO schema_migration_claims (version, attempt, instance) VALUES (1, 1, 'dead')");
            handle.execute(SchemaMigrator.statements("schema/V001__initial.sql").get(0));
        });

        int applied = migrator(database, "survivor", abandonedAfter).migrate();

        assertThat(applied).isEqualTo(SchemaMigrator.resources().size() - 1);
        List<Map<String, Object>> claims = jdbi.withHandle(handle -> handle.createQuery("""
                        SELECT attempt, argMin(instance, claimed_at) AS winner, toUnixTimestamp64Milli(min(claimed_at)) AS claimed
                        FROM schema_migration_claims WHERE version = 1 GROUP BY attempt ORDER BY attempt""")
                .mapToMap().list());
        assertThat(claims).extracting(claim -> claim.get("winner")).containsExactly("dead", "survivor");
        assertThat(((Number) claims.get(1).get("claimed")).longValue() - ((Number) claims.get(0).get("claimed")).longValue())
                .as("the survivor waited for the claim to be abandoned").isGreaterThanOrEqualTo(abandonedAfter.toMillis());
        assertThat(count(jdbi, "SELECT count() FROM schema_migrations WHERE version = 1")).isEqualTo(1);
    }

    @Test
    void aClaimOfAProcessOfThisHostThatIsGoneIsTakenOverAtOnce()
            throws Exception
    {
        String database = "restarted";
        Jdbi jdbi = Jdbi.create(ENGINE.engine().jdbcUrl(database));
        Jdbi.create(ENGINE.engine().jdbcUrl("default")).useHandle(handle -> handle.execute("CREATE DATABASE " + database));
        // The service was killed mid-migration and starts again on the same host, as a new process.
        Process killed = new ProcessBuilder("true").start();
        killed.waitFor();
        String earlierRun = "this-host/" + killed.pid() + "/earlier";
        jdbi.useHandle(handle -> {
            SchemaMigrator.statements("schema/bookkeeping.sql").forEach(handle::execute);
            handle.execute("INSERT INTO schema_migration_claims (version, attempt, instance) VALUES (1, 1, '" + earlierRun + "')");
        });

        // Were the claim held, this would wait five minutes.
        int applied = assertTimeoutPreemptively(Duration.ofSeconds(60),
                () -> migrator(database, "this-host/" + ProcessHandle.current().pid() + "/restarted", Duration.ofMinutes(5)).migrate());

        assertThat(applied).as("every migration (the resources also hold the bookkeeping tables)").isEqualTo(SchemaMigrator.resources().size() - 1);
        assertThat(count(jdbi, "SELECT count() FROM schema_migrations WHERE version = 1")).isEqualTo(1);
    }

    @Test
    void migratingAgainIsHarmlessAndAMigrationsInsertIsStoredOnce()
    {
        String database = "again";
        Jdbi jdbi = Jdbi.create(ENGINE.engine().jdbcUrl(database));
        int migrations = SchemaMigrator.resources().size() - 1;
        assertThat(migrator(database, "one", Duration.ofSeconds(1)).migrate()).isEqualTo(migrations);
        String schema = schema(jdbi);

        assertThat(migrator(database, "two", Duration.ofSeconds(1)).migrate()).as("nothing left to apply").isZero();
        // Forgotten records: every migration runs again, each statement idempotent, its insert deduplicated.
        jdbi.useHandle(handle -> handle.execute("TRUNCATE TABLE schema_migrations"));
        assertThat(migrator(database, "three", Duration.ofSeconds(1)).migrate()).isEqualTo(migrations);

        assertThat(schema(jdbi)).isEqualTo(schema);
        assertThat(count(jdbi, "SELECT count() FROM read_model_progress WHERE kind = 'created'")).isEqualTo(1);
        assertThat(count(jdbi, "SELECT count() FROM twilio_error_codes")).isEqualTo(ErrorCodeLoader.errorCodes().size());
    }

    @Test
    void aMigrationsInsertOfValuesCarriesATokenNamingIt()
    {
        assertThat(SchemaMigrator.withDeduplicationToken("INSERT INTO read_model_progress (version, kind) VALUES (0, 'created')", "schema-migration/5/statement/17"))
                .isEqualTo("INSERT INTO read_model_progress (version, kind) SETTINGS insert_deduplication_token = 'schema-migration/5/statement/17' VALUES (0, 'created')");
        assertThat(SchemaMigrator.withDeduplicationToken("ALTER TABLE a MODIFY TTL b", "x")).isEqualTo("ALTER TABLE a MODIFY TTL b");
        // Blocks of a SELECT are numbered under a token: a second run cut otherwise would lose rows.
        assertThat(SchemaMigrator.withDeduplicationToken("INSERT INTO a (b) SELECT 1", "x")).isEqualTo("INSERT INTO a (b) SELECT 1");
    }

    private SchemaMigrator migrator(String database, String instance, Duration abandonedAfter)
    {
        Jdbi databaseJdbi = Jdbi.create(ENGINE.engine().jdbcUrl(database));
        return new SchemaMigrator(Jdbi.create(ENGINE.engine().jdbcUrl("default")), databaseJdbi, database, RETENTION, ClusterDdl.singleServer(),
                new MigrationClaims(databaseJdbi, instance, abandonedAfter, Duration.ofMillis(100)));
    }

    private static String schema(Jdbi jdbi)
    {
        List<String> tables = jdbi.withHandle(handle -> handle.createQuery("SELECT name || ': ' || create_table_query FROM system.tables WHERE database = currentDatabase() ORDER BY name")
                .mapTo(String.class).list());
        return String.join("\n", tables);
    }

    private static Map<Object, Long> rows(Jdbi jdbi, String sql)
    {
        return jdbi.withHandle(handle -> handle.createQuery(sql)
                .map((row, context) -> Map.entry(row.getObject("key"), row.getLong("value")))
                .collectToMap(Map.Entry::getKey, Map.Entry::getValue));
    }

    private static long count(Jdbi jdbi, String sql)
    {
        return jdbi.withHandle(handle -> handle.createQuery(sql).mapTo(Long.class).one());
    }

    private static void awaitQuietly(CountDownLatch latch)
    {
        try {
            latch.await();
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
