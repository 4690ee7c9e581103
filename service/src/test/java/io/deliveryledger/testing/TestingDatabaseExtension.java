package io.deliveryledger.testing;

import io.deliveryledger.app.ClickHouseFactory;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import static java.util.Objects.requireNonNull;

/**
 * A private ClickHouse engine with the ledger's database migrated, for all tests of a class that
 * talk to ClickHouse without the service:
 * {@code @RegisterExtension static final TestingDatabaseExtension DATABASE = new TestingDatabaseExtension("name");}.
 */
public final class TestingDatabaseExtension
        implements BeforeAllCallback, AfterAllCallback
{
    private final String database;
    private final TestingEngineExtension engine = new TestingEngineExtension();
    private ClickHouseFactory clickhouse;

    public TestingDatabaseExtension(String database)
    {
        this.database = requireNonNull(database, "database is null");
    }

    @Override
    public void beforeAll(ExtensionContext context)
            throws Exception
    {
        engine.beforeAll(context);
        clickhouse = TestingLedger.clickhouseSettings(engine.engine(), database);
        clickhouse.buildMigrator().migrate();
    }

    @Override
    public void afterAll(ExtensionContext context)
    {
        engine.afterAll(context);
    }

    /** The settings the service would have: build migrators, insert handles and clients from them. */
    public ClickHouseFactory clickhouse()
    {
        return clickhouse;
    }

    public Jdbi jdbi()
    {
        return clickhouse.buildDatabaseJdbi();
    }
}
