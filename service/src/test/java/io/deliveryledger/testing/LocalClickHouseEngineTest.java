package io.deliveryledger.testing;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.query.QueryResponse;
import com.clickhouse.client.api.query.QuerySettings;
import com.clickhouse.data.ClickHouseFormat;
import com.clickhouse.jdbc.StatementImpl;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.argument.Argument;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.jdbi.v3.core.statement.StatementContext;
import org.jdbi.v3.core.statement.StatementCustomizer;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What the service relies on from the local ClickHouse engine, checked through the driver and Jdbi
 * the service uses: typed round trips, errors with ClickHouse's codes, per-query settings that do not
 * leak, deduplication tokens, materialized views, and data that survives the engine being stopped or
 * killed.
 */
final class LocalClickHouseEngineTest
{
    private static final String DATABASE = "engine_test";
    private static final Instant FIRST_RECEIVED_AT = Instant.parse("2026-03-01T10:15:30.123Z");

    @TempDir
    static Path temporaryDirectory;

    private static TestingClickHouseEngine engine;
    private static Jdbi jdbi;

    @BeforeAll
    static void startEngine()
    {
        engine = new TestingClickHouseEngine(temporaryDirectory.resolve("clickhouse"));
        engine.start();
        Jdbi.create(engine.jdbcUrl("default")).useHandle(handle -> handle.execute("CREATE DATABASE " + DATABASE));
        jdbi = Jdbi.create(engine.jdbcUrl(DATABASE));
    }

    @AfterAll
    static void stopEngine()
    {
        engine.close();
    }

    @Test
    void roundTripsTypedValuesThroughJdbi()
    {
        int rowCount = 5_000;
        jdbi.useHandle(handle -> {
            handle.execute("""
                    CREATE TABLE deliveries (
                        id UInt64,
                        received_at DateTime64(3, 'UTC'),
                        status LowCardinality(String),
                        attributes Map(String, String),
                        error_code Nullable(UInt32))
                    ENGINE = MergeTree ORDER BY id""");
            PreparedBatch batch = handle.prepareBatch("INSERT INTO deliveries (id, received_at, status, attributes, error_code) VALUES (?, ?, ?, ?, ?)");
            for (long id = 0; id < rowCount; id++) {
                batch.add(
                        id,
                        FIRST_RECEIVED_AT.plusMillis(id),
                        id % 2 == 0 ? "delivered" : "sent",
                        mapArgument(Map.of("row", String.valueOf(id), "quote'and\\backslash", "é")),
                        id % 10 == 0 ? null : (int) (id % 100));
            }
            assertThat(batch.execute()).hasSize(rowCount).containsOnly(1);

            assertThat(handle.createQuery("SELECT count() FROM deliveries").mapTo(Long.class).one()).isEqualTo(rowCount);
            assertThat(handle.createQuery("SELECT sum(id) FROM deliveries").mapTo(Long.class).one()).isEqualTo((long) rowCount * (rowCount - 1) / 2);
            assertThat(handle.createQuery("SELECT countIf(error_code IS NULL), sum(error_code) FROM deliveries")
                    .map((resultSet, context) -> List.of(resultSet.getLong(1), resultSet.getLong(2)))
                    .one())
                    .containsExactly(500L, 225_000L);
            assertThat(handle.createQuery("SELECT max(received_at) FROM deliveries").mapTo(Instant.class).one())
                    .isEqualTo(FIRST_RECEIVED_AT.plusMillis(rowCount - 1));
            assertThat(handle.createQuery("SELECT received_at, attributes, error_code FROM deliveries WHERE id = 10")
                    .map((resultSet, context) -> List.of(
                            resultSet.getTimestamp("received_at").toInstant(),
                            resultSet.getObject("attributes"),
                            String.valueOf(resultSet.getObject("error_code"))))
                    .one())
                    .containsExactly(FIRST_RECEIVED_AT.plusMillis(10), Map.of("row", "10", "quote'and\\backslash", "é"), "null");

            assertThat(handle.createQuery("SELECT status, count() FROM deliveries WHERE id < ? GROUP BY status ORDER BY status")
                    .bind(0, 100)
                    .map((resultSet, context) -> resultSet.getString(1) + "=" + resultSet.getLong(2))
                    .list())
                    .containsExactly("delivered=50", "sent=50");
            assertThat(handle.createQuery("SELECT id FROM deliveries WHERE status = :status AND received_at < :before ORDER BY id")
                    .bind("status", "sent")
                    .bind("before", FIRST_RECEIVED_AT.plusMillis(6))
                    .mapTo(Long.class)
                    .list())
                    .containsExactly(1L, 3L, 5L);
        });
    }

    @Test
    void reportsUpdateCountsOfPlainJdbcBatches()
            throws SQLException
    {
        try (Connection connection = DriverManager.getConnection(engine.jdbcUrl(DATABASE));
                Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE plain_batch (id UInt32, at DateTime64(3, 'UTC')) ENGINE = MergeTree ORDER BY id");
            try (PreparedStatement insert = connection.prepareStatement("INSERT INTO plain_batch (id, at) VALUES (?, ?)")) {
                for (int id = 1; id <= 3; id++) {
                    insert.setInt(1, id);
                    insert.setTimestamp(2, Timestamp.from(FIRST_RECEIVED_AT.plusSeconds(id)));
                    insert.addBatch();
                }
                assertThat(insert.executeBatch()).containsExactly(1, 1, 1);
            }
            assertThat(statement.executeUpdate("INSERT INTO plain_batch SELECT number + 10, now64(3) FROM numbers(7)")).isEqualTo(7);
            try (ResultSet resultSet = statement.executeQuery("SELECT count(), min(at) FROM plain_batch")) {
                assertThat(resultSet.next()).isTrue();
                assertThat(resultSet.getLong(1)).isEqualTo(10);
                assertThat(resultSet.getObject(2, Instant.class)).isEqualTo(FIRST_RECEIVED_AT.plusSeconds(1));
            }
        }
    }

    @Test
    void writesThroughTheDriversRowBinaryInsertPath()
    {
        Jdbi binaryInserts = Jdbi.create(engine.jdbcUrl(DATABASE) + "?beta.row_binary_for_simple_insert=true");
        binaryInserts.useHandle(handle -> {
            handle.execute("CREATE TABLE binary_inserts (id UInt32, note String, tags Map(String, String)) ENGINE = MergeTree ORDER BY id");
            PreparedBatch batch = handle.prepareBatch("INSERT INTO binary_inserts VALUES (?, ?, ?)");
            // Binary rows are full of bytes that would end text data early: id 2570 is 0x0A0A, an
            // empty line; the notes hold line breaks, tabs and NUL.
            for (int id = 0; id < 3_000; id++) {
                batch.add(id, "line\n\nbreak\ttab\0nul " + id, mapArgument(Map.of("id", String.valueOf(id))));
            }
            assertThat(batch.execute()).hasSize(3_000).containsOnly(1);
            assertThat(countRows(handle, "binary_inserts")).isEqualTo(3_000);
            assertThat(handle.createQuery("SELECT note FROM binary_inserts WHERE id = 2570").mapTo(String.class).one())
                    .isEqualTo("line\n\nbreak\ttab\0nul 2570");
        });
    }

    @Test
    void reportsErrorsWithClickHouseCodes()
            throws SQLException
    {
        try (Connection connection = DriverManager.getConnection(engine.jdbcUrl(DATABASE));
                Statement statement = connection.createStatement()) {
            assertThatThrownBy(() -> statement.executeQuery("SELECT * FROM missing_table"))
                    .isInstanceOfSatisfying(SQLException.class, error -> {
                        assertThat(error.getErrorCode()).isEqualTo(60);
                        assertThat(error.getSQLState()).isEqualTo("22000");
                        assertThat(error.getMessage()).startsWith("Code: 60. DB::Exception: ").contains("missing_table", "(UNKNOWN_TABLE)");
                    });
            assertThatThrownBy(() -> statement.executeQuery("SELEC 1"))
                    .isInstanceOfSatisfying(SQLException.class, error -> {
                        assertThat(error.getErrorCode()).isEqualTo(62);
                        assertThat(error.getMessage()).startsWith("Code: 62. DB::Exception: Syntax error");
                    });
        }
        // Jdbi wraps the driver's exception; the code is on the cause.
        assertThatThrownBy(() -> jdbi.useHandle(handle -> handle.execute("INSERT INTO missing_table VALUES (1)")))
                .isInstanceOf(UnableToExecuteStatementException.class)
                .cause()
                .isInstanceOfSatisfying(SQLException.class, error -> assertThat(error.getErrorCode()).isEqualTo(60));
        assertThatThrownBy(() -> Jdbi.create(engine.jdbcUrl("missing_database")).useHandle(handle -> handle.execute("SELECT 1")))
                .cause()
                .isInstanceOfSatisfying(SQLException.class, error -> assertThat(error.getErrorCode()).isEqualTo(81));
    }

    @Test
    void keepsSettingsToTheirOwnRequests()
    {
        String defaultMaxThreads = currentSetting(jdbi, "max_threads");

        Jdbi withConnectionSetting = Jdbi.create(engine.jdbcUrl(DATABASE) + "?clickhouse_setting_max_threads=1");
        assertThat(currentSetting(withConnectionSetting, "max_threads")).isEqualTo("1");
        assertThat(currentSetting(jdbi, "max_threads")).isEqualTo(defaultMaxThreads);

        // As on a ClickHouse server without a session, SET lasts for its own request only.
        jdbi.useHandle(handle -> handle.execute("SET max_threads = 1"));
        assertThat(currentSetting(jdbi, "max_threads")).isEqualTo(defaultMaxThreads);

        jdbi.useHandle(handle -> {
            assertThat(handle.createQuery("SELECT getSetting('max_threads') SETTINGS max_threads = 1").mapTo(String.class).one()).isEqualTo("1");
            assertThat(handle.createQuery("SELECT currentDatabase()").mapTo(String.class).one()).isEqualTo(DATABASE);
        });
        assertThat(currentSetting(jdbi, "max_threads")).isEqualTo(defaultMaxThreads);
        String databaseOfDefaultConnection = Jdbi.create(engine.jdbcUrl("default"))
                .withHandle(handle -> handle.createQuery("SELECT currentDatabase()").mapTo(String.class).one());
        assertThat(databaseOfDefaultConnection).isEqualTo("default");
    }

    @Test
    void isolatesRequestsFromConcurrentConnections()
            throws Exception
    {
        String defaultMaxThreads = currentSetting(jdbi, "max_threads");
        Jdbi otherDatabaseWithSetting = Jdbi.create(engine.jdbcUrl("default") + "?clickhouse_setting_max_threads=1");
        ExecutorService executor = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> clients = new ArrayList<>();
            for (int client = 0; client < 4; client++) {
                clients.add(executor.submit(() -> {
                    try (Handle plain = jdbi.open(); Handle other = otherDatabaseWithSetting.open()) {
                        for (int request = 0; request < 25; request++) {
                            assertThat(databaseAndMaxThreads(plain)).isEqualTo(DATABASE + "/" + defaultMaxThreads);
                            assertThat(databaseAndMaxThreads(other)).isEqualTo("default/1");
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> client : clients) {
                client.get(1, TimeUnit.MINUTES);
            }
        }
        finally {
            executor.shutdownNow();
        }
    }

    @Test
    void deduplicatesInsertsByTokenInTheStatement()
    {
        jdbi.useHandle(handle -> {
            handle.execute("CREATE TABLE token_in_statement (id UInt32, note String) ENGINE = MergeTree ORDER BY id SETTINGS non_replicated_deduplication_window = 100");
            String insert = "INSERT INTO token_in_statement (id, note) SETTINGS insert_deduplication_token = '%s' VALUES (?, ?)";

            insertRows(handle.prepareBatch(insert.formatted("batch-1")), "first");
            // The same token with other rows: a retry of batch-1 as far as ClickHouse can tell.
            insertRows(handle.prepareBatch(insert.formatted("batch-1")), "changed");
            assertThat(countRows(handle, "token_in_statement")).isEqualTo(3);

            // The same rows with another token are another insert.
            insertRows(handle.prepareBatch(insert.formatted("batch-2")), "first");
            assertThat(countRows(handle, "token_in_statement")).isEqualTo(6);
            assertThat(handle.createQuery("SELECT getSetting('insert_deduplication_token')").mapTo(String.class).one()).isEmpty();
        });
    }

    @Test
    void deduplicatesInsertsByTokenInTheStatementSettings()
    {
        jdbi.useHandle(handle -> {
            handle.execute("CREATE TABLE token_in_settings (id UInt32, note String) ENGINE = MergeTree ORDER BY id SETTINGS non_replicated_deduplication_window = 100");
            String insert = "INSERT INTO token_in_settings (id, note) VALUES (?, ?)";

            insertRows(handle.prepareBatch(insert).addCustomizer(deduplicationToken("batch-1")), "first");
            insertRows(handle.prepareBatch(insert).addCustomizer(deduplicationToken("batch-1")), "changed");
            assertThat(countRows(handle, "token_in_settings")).isEqualTo(3);

            insertRows(handle.prepareBatch(insert).addCustomizer(deduplicationToken("batch-2")), "first");
            assertThat(countRows(handle, "token_in_settings")).isEqualTo(6);
        });
    }

    @Test
    void maintainsMaterializedViewsOnInsert()
    {
        jdbi.useHandle(handle -> {
            handle.execute("""
                    CREATE TABLE status_updates (message_sid String, status String, updated_at DateTime64(3, 'UTC'))
                    ENGINE = MergeTree ORDER BY (message_sid, updated_at)""");
            handle.execute("""
                    CREATE TABLE message_states (
                        message_sid String,
                        status AggregateFunction(argMax, String, DateTime64(3, 'UTC')),
                        updates SimpleAggregateFunction(sum, UInt64))
                    ENGINE = AggregatingMergeTree ORDER BY message_sid""");
            handle.execute("""
                    CREATE MATERIALIZED VIEW message_states_view TO message_states AS
                    SELECT message_sid, argMaxState(status, updated_at) AS status, toUInt64(count()) AS updates
                    FROM status_updates GROUP BY message_sid""");

            String insert = "INSERT INTO status_updates (message_sid, status, updated_at) VALUES (?, ?, ?)";
            // The source and the view's target each count their rows, so update counts are not per row.
            assertThat(handle.prepareBatch(insert)
                    .add("SM1", "delivered", FIRST_RECEIVED_AT.plusSeconds(2))
                    .add("SM2", "sent", FIRST_RECEIVED_AT)
                    .execute())
                    .containsOnly(Statement.SUCCESS_NO_INFO);
            // A late, older callback must not win over the newer status.
            handle.prepareBatch(insert)
                    .add("SM1", "sent", FIRST_RECEIVED_AT)
                    .add("SM2", "failed", FIRST_RECEIVED_AT.plusSeconds(5))
                    .execute();

            assertThat(handle.createQuery("SELECT message_sid, argMaxMerge(status), sum(updates) FROM message_states GROUP BY message_sid ORDER BY message_sid")
                    .map((resultSet, context) -> resultSet.getString(1) + ":" + resultSet.getString(2) + ":" + resultSet.getLong(3))
                    .list())
                    .containsExactly("SM1:delivered:2", "SM2:failed:2");
            assertThat(handle.createUpdate("INSERT INTO status_updates VALUES ('SM3', 'queued', now64(3))").execute())
                    .as("written rows of the source table and of the view's target")
                    .isEqualTo(2);
        });
    }

    @Test
    void compressesRequestsAndResponsesForTheClient()
            throws Exception
    {
        // ClickHouse's own client, as the service builds it: LZ4 blocks both ways (compress=1, decompress=1).
        try (Client client = new Client.Builder()
                .addEndpoint(engine.httpUrl())
                .setUsername("default")
                .setPassword("")
                .setDefaultDatabase(DATABASE)
                .compressServerResponse(true)
                .compressClientRequest(true)
                .build();
                QueryResponse response = client.query("SELECT number * {factor:UInt32} FROM numbers(200000) FORMAT TSV", Map.of("factor", 3),
                        new QuerySettings().setFormat(ClickHouseFormat.TSV)).get()) {
            long sum = 0;
            for (String line : new String(response.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).split("\n")) {
                sum += Long.parseLong(line);
            }
            assertThat(sum).isEqualTo(3L * 199_999 * 200_000 / 2);
        }
    }

    @Test
    void failsAQueryWhoseErrorArrivesAfterTheFirstRows()
    {
        // The engine has sent status 200 and more than a MiB of rows when the error comes.
        assertThatThrownBy(() -> jdbi.withHandle(handle -> handle.createQuery(
                        "SELECT number, throwIf(number = 400000, 'broke after the first rows') FROM numbers(1000000) SETTINGS max_block_size = 1000")
                .map((resultSet, context) -> resultSet.getLong(1))
                .list()))
                .hasStackTraceContaining("Premature end of chunk coded message body");
    }

    @Test
    void keepsDataWhenKilledOrStopped()
    {
        jdbi.useHandle(handle -> {
            handle.execute("CREATE TABLE survivors (id UInt64) ENGINE = MergeTree ORDER BY id");
            handle.execute("INSERT INTO survivors SELECT number FROM numbers(1000)");
        });

        engine.kill();
        assertThat(engine.isRunning()).isFalse();
        engine.start();
        assertThat(countRows("survivors")).isEqualTo(1000);

        jdbi.useHandle(handle -> handle.execute("INSERT INTO survivors SELECT number + 1000 FROM numbers(500)"));
        engine.stop();
        assertThat(engine.isRunning()).isFalse();
        engine.start();
        assertThat(countRows("survivors")).isEqualTo(1500);
    }

    // Jdbi has no argument for a Map whose type parameters it cannot see (Map.of, Map.copyOf);
    // handed to setObject, the driver writes it as a ClickHouse map. The two-argument setObject,
    // because the driver's RowBinary insert path does not support the one with a SQL type.
    private static Argument mapArgument(Map<String, String> map)
    {
        return (position, statement, context) -> statement.setObject(position, map);
    }

    // clickhouse-jdbc sends a statement's own server settings with its requests only.
    private static StatementCustomizer deduplicationToken(String token)
    {
        return new StatementCustomizer()
        {
            @Override
            public void beforeExecution(PreparedStatement statement, StatementContext context)
                    throws SQLException
            {
                statement.unwrap(StatementImpl.class).getLocalSettings().serverSetting("insert_deduplication_token", token);
            }
        };
    }

    private static void insertRows(PreparedBatch batch, String note)
    {
        for (int id = 1; id <= 3; id++) {
            batch.add(id, note);
        }
        batch.execute();
    }

    private static long countRows(String table)
    {
        return jdbi.withHandle(handle -> countRows(handle, table));
    }

    private static long countRows(Handle handle, String table)
    {
        return handle.createQuery("SELECT count() FROM " + table).mapTo(Long.class).one();
    }

    private static String databaseAndMaxThreads(Handle handle)
    {
        return handle.createQuery("SELECT currentDatabase() || '/' || toString(getSetting('max_threads'))").mapTo(String.class).one();
    }

    private static String currentSetting(Jdbi target, String name)
    {
        return target.withHandle(handle -> handle.createQuery("SELECT toString(getSetting(:name))").bind("name", name).mapTo(String.class).one());
    }
}
