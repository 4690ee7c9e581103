package io.deliveryledger.testing;

import io.deliveryledger.app.ClickHouseFactory;
import io.deliveryledger.app.DeliveryLedgerApplication;
import io.deliveryledger.app.DeliveryLedgerConfiguration;
import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.DropwizardTestSupport;
import io.dropwizard.testing.ResourceHelpers;
import org.eclipse.jetty.server.Server;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.Query;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static java.util.Objects.requireNonNull;
import static org.awaitility.Awaitility.await;

/**
 * The whole service in this JVM, on free ports, with its own journal directory and ClickHouse
 * database on a {@link TestingClickHouseEngine}. The accounts and tokens are those of {@code ledger-test.yml}.
 */
public final class TestingLedger
        implements AutoCloseable
{
    public static final String FIRST_ACCOUNT = "AC11111111111111111111111111111111";
    public static final String FIRST_TOKEN = "first-account-token";
    public static final String SECOND_ACCOUNT = "AC22222222222222222222222222222222";
    public static final String SECOND_OLD_TOKEN = "second-account-old-token";
    public static final String SECOND_NEW_TOKEN = "second-account-new-token";
    /** One of the bearer tokens of {@code ledger-test.yml} for everything under {@code /api}. */
    public static final String API_TOKEN = "first-api-token";

    private static final AtomicInteger DATABASES = new AtomicInteger();

    private final DropwizardTestSupport<DeliveryLedgerConfiguration> support;
    private final TestingClickHouseEngine engine;
    private final String database;

    public TestingLedger(TestingClickHouseEngine engine, Path journalDirectory, ConfigOverride... overrides)
    {
        this(engine, journalDirectory, newDatabaseName(), overrides);
    }

    /** A service on {@code database}, which another instance may share (several instances on one ClickHouse). */
    public TestingLedger(TestingClickHouseEngine engine, Path journalDirectory, String database, ConfigOverride... overrides)
    {
        this.engine = requireNonNull(engine, "engine is null");
        this.database = requireNonNull(database, "database is null");
        List<ConfigOverride> all = new ArrayList<>(List.of(
                ConfigOverride.config("clickhouse.url", engine.httpUrl()),
                ConfigOverride.config("clickhouse.database", database),
                ConfigOverride.config("journal.directory", journalDirectory.toString())));
        all.addAll(List.of(overrides));
        this.support = new DropwizardTestSupport<>(DeliveryLedgerApplication.class, ResourceHelpers.resourceFilePath("ledger-test.yml"), all.toArray(ConfigOverride[]::new));
    }

    public static String newDatabaseName()
    {
        return "ledger_test_" + ProcessHandle.current().pid() + "_" + DATABASES.incrementAndGet();
    }

    /** The ledger's ClickHouse settings for {@code database} in {@code engine}, for tests that use the parts without the service. */
    public static ClickHouseFactory clickhouseSettings(TestingClickHouseEngine engine, String database)
    {
        ClickHouseFactory clickhouse = new ClickHouseFactory();
        clickhouse.setUrl(engine.httpUrl());
        clickhouse.setDatabase(database);
        return clickhouse;
    }

    public TestingLedger start()
            throws Exception
    {
        support.before();
        return this;
    }

    public void stop()
    {
        support.after();
    }

    @Override
    public void close()
    {
        stop();
    }

    public WebhookClient client()
    {
        return new WebhookClient("http://localhost:" + port());
    }

    public int port()
    {
        return support.getLocalPort();
    }

    public String adminUrl()
    {
        return "http://localhost:" + support.getAdminPort();
    }

    /** The running Jetty server, to look at how its handlers are arranged. */
    public Server server()
    {
        return support.getEnvironment().getApplicationContext().getServer();
    }

    public String database()
    {
        return database;
    }

    public Jdbi clickhouse()
    {
        return Jdbi.create(jdbcUrl());
    }

    /** The JDBC URL of this ledger's database in its engine. */
    public String jdbcUrl()
    {
        return engine.jdbcUrl(database);
    }

    /** Runs a counting query; a {@code List} parameter binds to {@code <name>}, anything else to {@code :name}. */
    public long count(String sql, Map<String, ?> parameters)
    {
        return clickhouse().withHandle(handle -> {
            Query query = handle.createQuery(sql);
            parameters.forEach((name, value) -> {
                if (value instanceof List<?> list) {
                    query.bindList(name, list);
                }
                else {
                    query.bind(name, value);
                }
            });
            return query.mapTo(Long.class).one();
        });
    }

    /** Waits until the read model counts every event stored so far (the service applies it every interval). */
    public void awaitReadModel()
    {
        if (count("SELECT count() FROM system.tables WHERE database = currentDatabase() AND name = 'read_model_progress'", Map.of()) == 0) {
            // The schema is not even migrated: nothing was stored.
            return;
        }
        long logged = count("SELECT toUnixTimestamp64Milli(max(logged_at)) FROM status_event_log", Map.of());
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                .until(() -> count("SELECT maxIf(version, kind IN ('build', 'slice')) FROM read_model_progress", Map.of()) > logged);
    }

    /** Waits until the message's events are in ClickHouse: batches are inserted in journal order, so all earlier ones are too. */
    public void awaitStored(String messageSid)
    {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).ignoreExceptions()
                .until(() -> count("SELECT count() FROM status_events WHERE message_sid = :sid", Map.of("sid", messageSid)) > 0);
    }
}
