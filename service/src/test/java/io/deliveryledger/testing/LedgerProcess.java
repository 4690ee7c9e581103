package io.deliveryledger.testing;

import io.deliveryledger.app.DeliveryLedgerApplication;

import java.nio.file.Path;

/**
 * The service in a JVM of its own, on the tests' class path, as {@code java ... server <config>} runs it:
 * for tests that kill it or read what it prints.
 */
public final class LedgerProcess
{
    private LedgerProcess() {}

    /** Runs {@code server} with the repository's config.yml; the caller sets the environment and the output. */
    public static ProcessBuilder server(String maximumHeap)
    {
        Path repository = Path.of(System.getProperty("ledger.repository.root", "..")).toAbsolutePath().normalize();
        return new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Duser.timezone=UTC",
                "-Xmx" + maximumHeap,
                "-cp", System.getProperty("java.class.path"),
                DeliveryLedgerApplication.class.getName(),
                "server",
                repository.resolve("config.yml").toString());
    }
}
