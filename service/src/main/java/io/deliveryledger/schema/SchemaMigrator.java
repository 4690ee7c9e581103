package io.deliveryledger.schema;

import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import static java.util.Objects.requireNonNull;

/**
 * Applies the versioned schema migrations in {@code schema/} to the ledger's database. Each statement
 * is idempotent ({@code IF NOT EXISTS}), so a run interrupted half-way is finished by the next one;
 * a migration is recorded in {@code schema_migrations} only after all its statements succeeded.
 * Migrations are applied in the order listed, each unless recorded: a version missing from the list
 * (another branch's) is no obstacle, and is applied whenever it is added. The configured retention
 * (TTLs) and Twilio's error descriptions are applied on every run, after the migrations.
 */
public final class SchemaMigrator
{
    private static final Logger log = LoggerFactory.getLogger(SchemaMigrator.class);
    private static final Pattern STATEMENT_END = Pattern.compile(";\\s*(\\n|$)");
    private static final List<Migration> MIGRATIONS = List.of(
            new Migration(1, "initial", "schema/V001__initial.sql"),
            new Migration(2, "reconciliation", "schema/V002__reconciliation.sql"),
            new Migration(3, "analytics", "schema/V003__analytics.sql"),
            new Migration(4, "forbidden requests", "schema/V004__forbidden_requests.sql"),
            new Migration(5, "read model", "schema/V005__read_model.sql"),
            new Migration(6, "deduplication", "schema/V006__deduplication.sql"),
            new Migration(7, "reconcile claims", "schema/V007__reconcile_claims.sql"),
            new Migration(8, "distinct events", "schema/V008__distinct_events.sql"));

    private final Jdbi server;
    private final Jdbi database;
    private final String databaseName;
    private final Retention retention;
    // The schema only changes with a new version of the service: once current, it stays current.
    private volatile boolean current;

    /**
     * @param server connects without a default database, to create it
     * @param database connects to {@code databaseName}
     */
    public SchemaMigrator(Jdbi server, Jdbi database, String databaseName, Retention retention)
    {
        this.server = requireNonNull(server, "server is null");
        this.database = requireNonNull(database, "database is null");
        this.databaseName = requireNonNull(databaseName, "databaseName is null");
        this.retention = requireNonNull(retention, "retention is null");
    }

    /**
     * Applies the migrations not yet applied; returns how many were applied. After one call succeeded,
     * later calls on this migrator return 0 without asking ClickHouse, so the components that need the
     * schema before they start (batch writer, reconciler, commands) can share one migrator and call it freely.
     */
    public int migrate()
    {
        if (current) {
            return 0;
        }
        server.useHandle(handle -> handle.execute("CREATE DATABASE IF NOT EXISTS `" + databaseName.replace("`", "") + "`"));
        database.useHandle(handle -> handle.execute("""
                CREATE TABLE IF NOT EXISTS schema_migrations
                (
                    version UInt32,
                    name String,
                    applied_at DateTime64(3, 'UTC') DEFAULT now64(3)
                )
                ENGINE = ReplacingMergeTree
                ORDER BY version"""));
        Set<Integer> applied = database.withHandle(handle -> Set.copyOf(handle.createQuery("SELECT version FROM schema_migrations").mapTo(Integer.class).list()));
        int count = 0;
        for (Migration migration : MIGRATIONS) {
            if (applied.contains(migration.version())) {
                continue;
            }
            log.info("Applying schema migration {} ({}) to database {}", migration.version(), migration.name(), databaseName);
            database.useHandle(handle -> {
                for (String statement : statements(migration.resource())) {
                    handle.execute(statement);
                }
                handle.createUpdate("INSERT INTO schema_migrations (version, name) VALUES (:version, :name)")
                        .bind("version", migration.version())
                        .bind("name", migration.name())
                        .execute();
            });
            count++;
        }
        applyRetention();
        new ErrorCodeLoader(database).load();
        current = true;
        return count;
    }

    /**
     * Sets each TTL that differs from {@link Retention}'s. ClickHouse applies a changed TTL to the rows
     * already stored in the background (a mutation), so a shorter retention also deletes old data.
     */
    private void applyRetention()
    {
        database.useHandle(handle -> {
            Map<String, String> definitions = new HashMap<>();
            handle.createQuery("SELECT name, create_table_query FROM system.tables WHERE database = currentDatabase()")
                    .map((row, context) -> Map.entry(row.getString("name"), row.getString("create_table_query")))
                    .forEach(entry -> definitions.put(entry.getKey(), entry.getValue()));
            for (Retention.TimeToLive timeToLive : retention.timesToLive()) {
                if (!definitions.getOrDefault(timeToLive.table(), "").contains(timeToLive.definition())) {
                    log.info("Setting retention: {}", timeToLive.alter());
                    handle.execute(timeToLive.alter());
                }
            }
        });
    }

    static List<String> statements(String resource)
    {
        try (InputStream input = SchemaMigrator.class.getClassLoader().getResourceAsStream(resource)) {
            if (input == null) {
                throw new IllegalStateException("Schema migration " + resource + " is missing from the classpath");
            }
            String sql = new String(input.readAllBytes(), StandardCharsets.UTF_8);
            String withoutComments = Arrays.stream(sql.split("\n"))
                    .filter(line -> !line.stripLeading().startsWith("--"))
                    .reduce("", (text, line) -> text + line + "\n");
            return Arrays.stream(STATEMENT_END.split(withoutComments))
                    .map(String::strip)
                    .filter(statement -> !statement.isEmpty())
                    .toList();
        }
        catch (IOException e) {
            throw new UncheckedIOException("Cannot read schema migration " + resource, e);
        }
    }

    private record Migration(int version, String name, String resource) {}
}
