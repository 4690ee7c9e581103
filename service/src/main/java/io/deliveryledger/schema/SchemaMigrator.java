package io.deliveryledger.schema;

import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static java.util.Objects.requireNonNull;

/**
 * Applies the versioned schema migrations in {@code schema/} to the ledger's database. Each statement
 * is idempotent ({@code IF NOT EXISTS}), so a run interrupted half-way is finished by the next one;
 * a migration is recorded in {@code schema_migrations} only after all its statements succeeded.
 * Migrations are applied in the order listed, each unless recorded: a version missing from the list
 * (another branch's) is no obstacle, and is applied whenever it is added. The configured retention
 * (TTLs) and Twilio's error descriptions are applied on every run, after the migrations.
 * <p>
 * Several instances may start at once: each migration is applied by one of them at a time
 * ({@link MigrationClaims}), the others wait until it is recorded. On a cluster every DDL statement
 * takes its cluster form ({@link ClusterDdl}); an insert of values in a migration carries a deduplication
 * token naming it, so a migration finished by another instance after its first one died stores it once.
 */
public final class SchemaMigrator
{
    private static final Logger log = LoggerFactory.getLogger(SchemaMigrator.class);
    private static final Pattern STATEMENT_END = Pattern.compile(";\\s*(\\n|$)");
    private static final Pattern INSERT_HEAD = Pattern.compile("^INSERT\\s+INTO\\s+[A-Za-z_][A-Za-z0-9_]*\\s*\\([^)]*\\)\\s*", Pattern.CASE_INSENSITIVE);
    private static final String BOOKKEEPING = "schema/bookkeeping.sql";
    // A migration's claim not renewed for this long is taken for its instance's death; a statement
    // ON CLUSTER waits up to 180 s (distributed_ddl_task_timeout) for the slowest node.
    private static final Duration ABANDONED_AFTER = Duration.ofMinutes(5);
    private static final Duration POLL_INTERVAL = Duration.ofSeconds(1);
    private static final List<Migration> MIGRATIONS = List.of(
            new Migration(1, "initial", "schema/V001__initial.sql"),
            new Migration(2, "reconciliation", "schema/V002__reconciliation.sql"),
            new Migration(3, "analytics", "schema/V003__analytics.sql"),
            new Migration(4, "forbidden requests", "schema/V004__forbidden_requests.sql"),
            new Migration(5, "read model", "schema/V005__read_model.sql"),
            new Migration(6, "deduplication", "schema/V006__deduplication.sql"),
            new Migration(7, "reconcile claims", "schema/V007__reconcile_claims.sql"),
            new Migration(8, "distinct events", "schema/V008__distinct_events.sql"),
            new Migration(9, "message receipt range", "schema/V009__message_receipt_range.sql"));

    private final Jdbi server;
    private final Jdbi database;
    private final String databaseName;
    private final Retention retention;
    private final ClusterDdl ddl;
    private final MigrationClaims claims;
    // The schema only changes with a new version of the service: once current, it stays current.
    private volatile boolean current;

    /**
     * @param server connects without a default database, to create it
     * @param database connects to {@code databaseName}
     * @param instance this process, unique among the instances sharing the database
     */
    public SchemaMigrator(Jdbi server, Jdbi database, String databaseName, Retention retention, ClusterDdl ddl, String instance)
    {
        this(server, database, databaseName, retention, ddl, new MigrationClaims(database, instance, ABANDONED_AFTER, POLL_INTERVAL));
    }

    SchemaMigrator(Jdbi server, Jdbi database, String databaseName, Retention retention, ClusterDdl ddl, MigrationClaims claims)
    {
        this.server = requireNonNull(server, "server is null");
        this.database = requireNonNull(database, "database is null");
        this.databaseName = requireNonNull(databaseName, "databaseName is null");
        this.retention = requireNonNull(retention, "retention is null");
        this.ddl = requireNonNull(ddl, "ddl is null");
        this.claims = requireNonNull(claims, "claims is null");
    }

    /**
     * Applies the migrations not yet applied; returns how many were applied. After one call succeeded,
     * later calls on this migrator return 0 without asking ClickHouse, so the components that need the
     * schema before they start (batch writer, reconciler, commands) can share one migrator and call it freely.
     * Synchronized: the components of one instance wait for its single run instead of claiming
     * migrations against each other under the same instance name.
     */
    public synchronized int migrate()
    {
        if (current) {
            return 0;
        }
        server.useHandle(handle -> handle.execute(ddl.apply("CREATE DATABASE IF NOT EXISTS `" + databaseName.replace("`", "") + "`")));
        database.useHandle(handle -> {
            for (String statement : statements(BOOKKEEPING)) {
                handle.execute(ddl.apply(statement));
            }
        });
        Set<Integer> applied = appliedVersions();
        int count = 0;
        for (Migration migration : MIGRATIONS) {
            if (applied.contains(migration.version())) {
                continue;
            }
            if (claims.runAlone(migration.version(), () -> appliedVersions().contains(migration.version()), renewal -> apply(migration, renewal))) {
                count++;
            }
        }
        applyRetention();
        new ErrorCodeLoader(database).load();
        current = true;
        return count;
    }

    private void apply(Migration migration, Runnable renewal)
    {
        log.info("Applying schema migration {} ({}) to database {}", migration.version(), migration.name(), databaseName);
        database.useHandle(handle -> {
            List<String> statements = statements(migration.resource());
            for (int index = 0; index < statements.size(); index++) {
                renewal.run();
                handle.execute(ddl.apply(withDeduplicationToken(statements.get(index), "schema-migration/%d/statement/%d".formatted(migration.version(), index))));
            }
            handle.createUpdate("INSERT INTO schema_migrations (version, name) VALUES (:version, :name)")
                    .bind("version", migration.version())
                    .bind("name", migration.name())
                    .execute();
        });
    }

    private Set<Integer> appliedVersions()
    {
        return database.withHandle(handle -> Set.copyOf(handle.createQuery("SELECT version FROM schema_migrations").mapTo(Integer.class).list()));
    }

    /**
     * An insert of values ({@code INSERT INTO table (columns) VALUES ...}) with a token naming it; any other
     * statement as it is. Not an {@code INSERT ... SELECT}: ClickHouse numbers its blocks under one token, and
     * a second run that cut its rows into other blocks would lose rows; such an insert must be harmless to
     * repeat by itself (migration 8's backfill writes states that merge as sets).
     */
    static String withDeduplicationToken(String statement, String token)
    {
        if (!statement.regionMatches(true, 0, "INSERT", 0, "INSERT".length())) {
            return statement;
        }
        Matcher head = INSERT_HEAD.matcher(statement);
        if (!head.find()) {
            throw new IllegalArgumentException("A migration's insert names its columns: INSERT INTO table (columns) ...: " + statement);
        }
        if (!statement.regionMatches(true, head.end(), "VALUES", 0, "VALUES".length())) {
            return statement;
        }
        return statement.substring(0, head.end()) + "SETTINGS insert_deduplication_token = '" + token + "' " + statement.substring(head.end());
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
                    String alter = ddl.apply(timeToLive.alter());
                    log.info("Setting retention: {}", alter);
                    handle.execute(alter);
                }
            }
        });
    }

    /** Every resource of statements the migrator runs, in order: its own tables, then the migrations. */
    static List<String> resources()
    {
        return Stream.concat(Stream.of(BOOKKEEPING), MIGRATIONS.stream().map(Migration::resource)).toList();
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
