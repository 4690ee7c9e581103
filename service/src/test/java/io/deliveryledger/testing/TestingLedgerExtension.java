package io.deliveryledger.testing;

import io.dropwizard.testing.ConfigOverride;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A private ClickHouse engine and the service running on it, for all tests of a class:
 * {@code @RegisterExtension static final TestingLedgerExtension LEDGER = new TestingLedgerExtension();}.
 * Started before the class's own {@code @BeforeAll} methods, stopped after its {@code @AfterAll} ones.
 */
public final class TestingLedgerExtension
        implements BeforeAllCallback, AfterAllCallback
{
    private final ConfigOverride[] overrides;
    private Path directory;
    private TestingClickHouseEngine engine;
    private TestingLedger ledger;

    public TestingLedgerExtension(ConfigOverride... overrides)
    {
        this.overrides = overrides.clone();
    }

    @Override
    public void beforeAll(ExtensionContext context)
            throws Exception
    {
        directory = Files.createTempDirectory("delivery-ledger-test");
        engine = new TestingClickHouseEngine(directory.resolve("clickhouse"));
        engine.start();
        ledger = new TestingLedger(engine, directory.resolve("journal"), overrides).start();
    }

    @Override
    public void afterAll(ExtensionContext context)
    {
        if (ledger != null) {
            ledger.close();
        }
        if (engine != null) {
            engine.close();
        }
        if (directory != null) {
            deleteRecursively(directory);
        }
    }

    public TestingLedger ledger()
    {
        return ledger;
    }

    /** The engine under {@link #ledger()}, for another service instance beside it. */
    public TestingClickHouseEngine engine()
    {
        return engine;
    }

    static void deleteRecursively(Path root)
    {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
        catch (IOException e) {
            throw new UncheckedIOException("Cannot delete " + root, e);
        }
    }
}
