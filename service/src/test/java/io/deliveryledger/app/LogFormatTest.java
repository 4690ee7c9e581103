package io.deliveryledger.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.deliveryledger.testing.LedgerProcess;
import io.dropwizard.logging.common.ConsoleAppenderFactory;
import io.dropwizard.logging.common.DefaultLoggingFactory;
import io.dropwizard.logging.json.EventJsonLayoutBaseFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** LOG_FORMAT chooses the console layout of the repository's config.yml (which the Docker image runs). */
final class LogFormatTest
{
    private static final Map<String, String> ACCOUNT = Map.of("TWILIO_ACCOUNT_SID", "AC" + "5".repeat(32), "TWILIO_AUTH_TOKEN", "token");

    @TempDir
    Path directory;

    @Test
    void logFormatJsonSelectsTheJsonLayoutAndTextIsTheDefault()
            throws Exception
    {
        assertThat(consoleLayout(Map.of())).isInstanceOf(TextLayoutFactory.class);
        assertThat(consoleLayout(Map.of("LOG_FORMAT", "text"))).isInstanceOf(TextLayoutFactory.class);
        assertThat(consoleLayout(Map.of("LOG_FORMAT", "json"))).isInstanceOf(EventJsonLayoutBaseFactory.class);
        assertThatThrownBy(() -> consoleLayout(Map.of("LOG_FORMAT", "xml")))
                .hasMessageContaining("xml")
                .hasMessageContaining("json");
    }

    @Test
    void theServiceStartedWithLogFormatJsonWritesOneJsonObjectPerLine()
            throws Exception
    {
        int adminPort = freePort();
        Path log = directory.resolve("stdout.log");
        ProcessBuilder builder = LedgerProcess.server("256m")
                .redirectOutput(log.toFile())
                .redirectError(directory.resolve("stderr.log").toFile());
        builder.environment().putAll(ACCOUNT);
        builder.environment().putAll(Map.of(
                "LOG_FORMAT", "json",
                "HTTP_PORT", String.valueOf(freePort()),
                "ADMIN_PORT", String.valueOf(adminPort),
                "JOURNAL_DIR", directory.resolve("journal").toString(),
                // Nothing listens there: the service starts all the same, and logs the failing inserts.
                "CLICKHOUSE_URL", "http://127.0.0.1:" + freePort()));
        builder.environment().remove("PUBLIC_BASE_URL");
        Process process = builder.start();
        try {
            awaitLiveness(process, adminPort, log);
        }
        finally {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }

        List<String> lines = Files.readAllLines(log);
        assertThat(lines).as("stdout").isNotEmpty();
        ObjectMapper mapper = new ObjectMapper();
        for (String line : lines) {
            JsonNode entry = mapper.readTree(line);
            assertThat(entry.isObject()).as(line).isTrue();
            assertThat(entry.has("timestamp") && entry.has("level") && entry.has("logger") && entry.has("message")).as(line).isTrue();
        }
        assertThat(lines).anyMatch(line -> line.contains("\"logger\":\"io.deliveryledger.journal.Journal\""));
    }

    /** Waits for /healthcheck/live, which answers 200 without ClickHouse. */
    private static void awaitLiveness(Process process, int adminPort, Path log)
            throws Exception
    {
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest live = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/healthcheck/live")).timeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            assertThat(process.isAlive()).as("service running; its log: %s", log).isTrue();
            try {
                HttpResponse<String> response = http.send(live, HttpResponse.BodyHandlers.ofString());
                assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
                return;
            }
            catch (IOException e) {
                Thread.sleep(100);
            }
        }
        throw new AssertionError("Service did not answer /healthcheck/live within 60 s:\n" + Files.readString(log));
    }

    private static Object consoleLayout(Map<String, String> environment)
            throws Exception
    {
        Map<String, String> all = new HashMap<>(ACCOUNT);
        all.putAll(environment);
        DefaultLoggingFactory logging = (DefaultLoggingFactory) ConfigurationTest.load(all).getLoggingFactory();
        return ((ConsoleAppenderFactory<?>) logging.getAppenders().get(0)).getLayout();
    }

    private static int freePort()
            throws IOException
    {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
