package io.deliveryledger.testing;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A private, empty ClickHouse engine for all tests of a class, for tests that create their own
 * databases or only ask the engine's parser:
 * {@code @RegisterExtension static final TestingEngineExtension ENGINE = new TestingEngineExtension();}.
 */
public final class TestingEngineExtension
        implements BeforeAllCallback, AfterAllCallback
{
    private Path directory;
    private TestingClickHouseEngine engine;

    @Override
    public void beforeAll(ExtensionContext context)
            throws Exception
    {
        directory = Files.createTempDirectory("delivery-ledger-engine");
        engine = new TestingClickHouseEngine(directory.resolve("clickhouse"));
        engine.start();
    }

    @Override
    public void afterAll(ExtensionContext context)
    {
        if (engine != null) {
            engine.close();
        }
        if (directory != null) {
            TestingLedgerExtension.deleteRecursively(directory);
        }
    }

    public TestingClickHouseEngine engine()
    {
        return engine;
    }
}
