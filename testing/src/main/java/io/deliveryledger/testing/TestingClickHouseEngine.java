package io.deliveryledger.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static java.util.Objects.requireNonNull;

/**
 * A private local ClickHouse engine ({@code clickhouse-local/server.js}: ClickHouse's HTTP
 * interface over an embedded chDB session) for one test class: its own process, a free loopback
 * port and the caller's data directory. It can be stopped or killed and started again on the same
 * port and data, which is how tests check what survives a crash.
 *
 * <p>The engine's output goes to a log file beside the data directory, so a full pipe never blocks
 * it; a failed start reports the end of that log.
 */
public final class TestingClickHouseEngine
        implements AutoCloseable
{
    /** Set by surefire; without it, the repository is found by walking up from the working directory. */
    public static final String REPOSITORY_ROOT_PROPERTY = "ledger.repository.root";

    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration PING_TIMEOUT = Duration.ofSeconds(2);
    private static final int LOG_LINES_IN_ERRORS = 30;

    private final Path engineDirectory;
    private final Path dataDirectory;
    private final Path logFile;
    private final int port;
    private final HttpClient httpClient = HttpClient.newBuilder().connectTimeout(PING_TIMEOUT).build();
    private Process process;

    public TestingClickHouseEngine(Path dataDirectory)
    {
        this(findRepositoryRoot(), dataDirectory);
    }

    public TestingClickHouseEngine(Path repositoryRoot, Path dataDirectory)
    {
        requireNonNull(repositoryRoot, "repositoryRoot is null");
        this.dataDirectory = requireNonNull(dataDirectory, "dataDirectory is null").toAbsolutePath();
        this.engineDirectory = repositoryRoot.resolve("clickhouse-local").toAbsolutePath();
        this.logFile = this.dataDirectory.resolveSibling(this.dataDirectory.getFileName() + "-engine.log");
        this.port = findFreePort();
    }

    /** Starts the engine unless it is running, and waits until it answers {@code /ping}. */
    public synchronized void start()
    {
        if (isRunning()) {
            return;
        }
        if (!Files.isDirectory(engineDirectory.resolve("node_modules").resolve("chdb"))) {
            throw new IllegalStateException("%s is missing: run scripts/clickhouse-local install"
                    .formatted(engineDirectory.resolve("node_modules")));
        }
        try {
            Files.createDirectories(dataDirectory);
            ProcessBuilder builder = new ProcessBuilder("node", engineDirectory.resolve("server.js").toString())
                    .directory(engineDirectory.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
            builder.environment().put("CLICKHOUSE_LOCAL_PORT", String.valueOf(port));
            builder.environment().put("CLICKHOUSE_LOCAL_DATA", dataDirectory.toString());
            process = builder.start();
        }
        catch (IOException e) {
            throw new UncheckedIOException("Cannot start the local ClickHouse engine in " + engineDirectory, e);
        }
        awaitPing();
    }

    /** Sends SIGTERM and waits for the engine to finish its current request and exit. */
    public synchronized void stop()
    {
        if (process == null) {
            return;
        }
        process.destroy();
        if (!waitForExit()) {
            process.destroyForcibly();
            waitForExit();
            process = null;
            throw new IllegalStateException("The local ClickHouse engine ignored SIGTERM for %s and was killed; its log:%n%s"
                    .formatted(STOP_TIMEOUT, logTail()));
        }
        process = null;
    }

    /** Sends SIGKILL and waits for the process to be gone, as a crash would leave things. */
    public synchronized void kill()
    {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        waitForExit();
        process = null;
    }

    /**
     * Freezes the engine where it stands (SIGSTOP), as a server that hangs: the kernel still accepts
     * connections and requests, and nothing answers them until {@link #resume()}.
     */
    public synchronized void pause()
    {
        signal("STOP");
    }

    /** Lets a {@linkplain #pause() frozen} engine go on (SIGCONT), answering what arrived meanwhile. */
    public synchronized void resume()
    {
        signal("CONT");
    }

    private void signal(String name)
    {
        if (!isRunning()) {
            throw new IllegalStateException("The local ClickHouse engine is not running");
        }
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, String.valueOf(process.pid())).inheritIO().start();
            if (kill.waitFor() != 0) {
                throw new IllegalStateException("kill -%s %d failed".formatted(name, process.pid()));
            }
        }
        catch (IOException e) {
            throw new UncheckedIOException("Cannot run kill -" + name, e);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while signalling the local ClickHouse engine", e);
        }
    }

    public synchronized boolean isRunning()
    {
        return process != null && process.isAlive();
    }

    public int port()
    {
        return port;
    }

    public String httpUrl()
    {
        return "http://127.0.0.1:" + port;
    }

    /** A clickhouse-jdbc URL for the database, with the driver's defaults (responses in ClickHouse's LZ4 framing). */
    public String jdbcUrl(String database)
    {
        requireNonNull(database, "database is null");
        return "jdbc:clickhouse:%s/%s".formatted(httpUrl(), database);
    }

    @Override
    public void close()
    {
        stop();
    }

    private void awaitPing()
    {
        Instant deadline = Instant.now().plus(START_TIMEOUT);
        while (!answersPing()) {
            if (!process.isAlive()) {
                int exitCode = process.exitValue();
                process = null;
                throw new IllegalStateException("The local ClickHouse engine exited with code %d during start-up; its log:%n%s"
                        .formatted(exitCode, logTail()));
            }
            if (Instant.now().isAfter(deadline)) {
                kill();
                throw new IllegalStateException("The local ClickHouse engine did not answer %s/ping within %s; its log:%n%s"
                        .formatted(httpUrl(), START_TIMEOUT, logTail()));
            }
            sleep(Duration.ofMillis(100));
        }
    }

    private boolean answersPing()
    {
        HttpRequest request = HttpRequest.newBuilder(URI.create(httpUrl() + "/ping")).timeout(PING_TIMEOUT).GET().build();
        try {
            return httpClient.send(request, HttpResponse.BodyHandlers.ofString()).statusCode() == 200;
        }
        catch (IOException e) {
            return false;
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for the local ClickHouse engine", e);
        }
    }

    private boolean waitForExit()
    {
        try {
            return process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for the local ClickHouse engine to exit", e);
        }
    }

    private String logTail()
    {
        try {
            List<String> lines = Files.readAllLines(logFile, StandardCharsets.UTF_8);
            return String.join(System.lineSeparator(), lines.subList(Math.max(0, lines.size() - LOG_LINES_IN_ERRORS), lines.size()));
        }
        catch (IOException e) {
            return "(cannot read %s: %s)".formatted(logFile, e.getMessage());
        }
    }

    private static void sleep(Duration duration)
    {
        try {
            Thread.sleep(duration.toMillis());
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for the local ClickHouse engine", e);
        }
    }

    // Chosen once, so that restarts come back on the same port. Another process could take it
    // between closing this socket and a start; the engine would then fail to listen and the
    // start-up check reports its log.
    private static int findFreePort()
    {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
        catch (IOException e) {
            throw new UncheckedIOException("Cannot find a free loopback port", e);
        }
    }

    private static Path findRepositoryRoot()
    {
        String configured = System.getProperty(REPOSITORY_ROOT_PROPERTY);
        if (configured != null) {
            return Path.of(configured).toAbsolutePath().normalize();
        }
        for (Path directory = Path.of("").toAbsolutePath(); directory != null; directory = directory.getParent()) {
            if (Files.isRegularFile(directory.resolve("clickhouse-local").resolve("server.js"))) {
                return directory;
            }
        }
        throw new IllegalStateException("Cannot find the repository (clickhouse-local/server.js) above %s; set -D%s"
                .formatted(Path.of("").toAbsolutePath(), REPOSITORY_ROOT_PROPERTY));
    }
}
