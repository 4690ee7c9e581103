package io.deliveryledger.testing;

import io.deliveryledger.app.DeliveryLedgerApplication;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

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
        return command(maximumHeap, "server");
    }

    /** Runs {@code command config.yml arguments...}, as {@code scripts/run command arguments...} does. */
    public static ProcessBuilder command(String maximumHeap, String command, String... arguments)
    {
        Path repository = Path.of(System.getProperty("ledger.repository.root", "..")).toAbsolutePath().normalize();
        List<String> line = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Duser.timezone=UTC",
                "-Xmx" + maximumHeap,
                "-cp", System.getProperty("java.class.path"),
                DeliveryLedgerApplication.class.getName(),
                command,
                repository.resolve("config.yml").toString()));
        line.addAll(List.of(arguments));
        return new ProcessBuilder(line);
    }
}
