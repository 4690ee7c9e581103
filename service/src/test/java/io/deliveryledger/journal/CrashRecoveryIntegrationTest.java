package io.deliveryledger.journal;

import io.deliveryledger.testing.LedgerProcess;
import io.deliveryledger.testing.StatusCallbacks;
import io.deliveryledger.testing.TestingClickHouseEngine;
import io.deliveryledger.testing.WebhookClient;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The service as its own process, started with the repository's config.yml and environment variables,
 * killed with SIGKILL in the middle of a stream of callbacks and started again: every callback that was
 * answered 200 must reach ClickHouse, and none may be counted twice.
 */
final class CrashRecoveryIntegrationTest
{
    private static final String ACCOUNT = "AC" + "3".repeat(32);
    private static final String TOKEN = "crash-test-token";
    private static final String DATABASE = "ledger_crash";

    @TempDir
    Path directory;

    private TestingClickHouseEngine engine;
    private Process service;

    @AfterEach
    void stopAll()
    {
        if (service != null) {
            service.destroyForcibly();
        }
        if (engine != null) {
            engine.close();
        }
    }

    @Test
    void everyAcknowledgedCallbackSurvivesSigkill()
            throws Exception
    {
        engine = new TestingClickHouseEngine(directory.resolve("clickhouse"));
        engine.start();
        int port = freePort();
        int adminPort = freePort();
        service = startService(port, adminPort, "first-run.log");
        WebhookClient client = new WebhookClient("http://localhost:" + port);

        ConcurrentLinkedQueue<String> acknowledged = new ConcurrentLinkedQueue<>();
        AtomicBoolean sending = new AtomicBoolean(true);
        CountDownLatch enoughSent = new CountDownLatch(1500);
        List<Thread> senders = new ArrayList<>();
        for (int thread = 0; thread < 8; thread++) {
            Thread sender = new Thread(() -> {
                // Bounded: stops at the kill (connection refused) or after 20,000 callbacks per thread at most.
                for (int i = 0; i < 20_000 && sending.get(); i++) {
                    String sid = StatusCallbacks.messageSid();
                    try {
                        if (client.post("/twilio/status", StatusCallbacks.callback(ACCOUNT, sid, "delivered"), TOKEN, Optional.empty()).statusCode() == 200) {
                            acknowledged.add(sid);
                            enoughSent.countDown();
                        }
                    }
                    catch (IOException e) {
                        return;
                    }
                    catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            });
            sender.start();
            senders.add(sender);
        }
        assertThat(enoughSent.await(60, TimeUnit.SECONDS)).as("1500 callbacks accepted before the kill").isTrue();
        service.destroyForcibly().waitFor();
        sending.set(false);
        for (Thread sender : senders) {
            sender.join(30_000);
        }
        int acknowledgedBeforeKill = acknowledged.size();

        service = startService(port, adminPort, "second-run.log");
        Jdbi clickhouse = Jdbi.create(engine.jdbcUrl(DATABASE));
        List<String> expected = List.copyOf(acknowledged);
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                .until(() -> count(clickhouse, "SELECT count() FROM message_status WHERE message_sid IN (<sids>)", expected) == expected.size());

        assertThat(expected).hasSize(acknowledgedBeforeKill);
        assertThat(count(clickhouse, "SELECT count() FROM (SELECT message_sid FROM message_status WHERE message_sid IN (<sids>) GROUP BY message_sid HAVING count() > 1)", expected)).isZero();
        assertThat(count(clickhouse, "SELECT count() FROM status_events WHERE message_sid IN (<sids>)", expected)).isEqualTo(expected.size());
        assertThat(count(clickhouse, "SELECT sum(event_count) FROM message_status WHERE message_sid IN (<sids>)", expected)).isEqualTo(expected.size());
        // Callbacks in flight at the kill may have reached the journal without an answer; they are stored too, once.
        long stored = clickhouse.withHandle(handle -> handle.createQuery("SELECT count() - uniqExact(event_id) FROM status_events").mapTo(Long.class).one());
        assertThat(stored).isZero();
    }

    private Process startService(int port, int adminPort, String logName)
            throws IOException, InterruptedException
    {
        ProcessBuilder builder = LedgerProcess.server("512m")
                .redirectErrorStream(true)
                .redirectOutput(directory.resolve(logName).toFile());
        builder.environment().put("HTTP_PORT", String.valueOf(port));
        builder.environment().put("ADMIN_PORT", String.valueOf(adminPort));
        builder.environment().put("JOURNAL_DIR", directory.resolve("journal").toString());
        builder.environment().put("CLICKHOUSE_URL", engine.httpUrl());
        builder.environment().put("CLICKHOUSE_DATABASE", DATABASE);
        builder.environment().put("TWILIO_ACCOUNT_SID", ACCOUNT);
        builder.environment().put("TWILIO_AUTH_TOKEN", TOKEN);
        builder.environment().remove("PUBLIC_BASE_URL");
        Process process = builder.start();
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest ping = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/ping")).timeout(Duration.ofSeconds(2)).build();
        for (int attempt = 0; attempt < 300; attempt++) {
            assertThat(process.isAlive()).as("service running; its log: %s", directory.resolve(logName)).isTrue();
            try {
                if (http.send(ping, HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
                    return process;
                }
            }
            catch (IOException e) {
                Thread.sleep(100);
            }
        }
        throw new AssertionError("Service did not start within 30 s:\n" + Files.readString(directory.resolve(logName)));
    }

    private static long count(Jdbi clickhouse, String sql, List<String> sids)
    {
        return clickhouse.withHandle(handle -> handle.createQuery(sql).bindList("sids", sids).mapTo(Long.class).one());
    }

    private static int freePort()
            throws IOException
    {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
