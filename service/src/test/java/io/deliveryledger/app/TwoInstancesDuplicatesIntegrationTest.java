package io.deliveryledger.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.deliveryledger.simulator.Simulation;
import io.deliveryledger.simulator.SimulationReport;
import io.deliveryledger.simulator.SimulationSettings;
import io.deliveryledger.simulator.Verifier;
import io.deliveryledger.simulator.VerifyReport;
import io.deliveryledger.testing.LedgerProcess;
import io.deliveryledger.testing.RoundRobinProxy;
import io.deliveryledger.testing.StatusCallbacks;
import io.deliveryledger.testing.TestingClickHouseEngine;
import io.deliveryledger.testing.TestingLedger;
import io.deliveryledger.testing.WebhookClient;
import io.dropwizard.testing.ConfigOverride;
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
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static io.deliveryledger.testing.TestingLedger.API_TOKEN;
import static io.deliveryledger.testing.TestingLedger.FIRST_ACCOUNT;
import static io.deliveryledger.testing.TestingLedger.FIRST_TOKEN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two service instances, each with its own journal, on one ClickHouse database behind a round-robin
 * proxy: the simulator's callbacks and their retries land on different instances, and both instances
 * insert them in overlapping batches, so status_events holds some events twice. One instance is killed
 * with SIGKILL mid-stream and started again on its journal. Afterwards every message has its true
 * status, and every number a user sees (message_status.event_count, events_per_minute, the API's
 * timeline, the read model's counts) counts each event once.
 */
final class TwoInstancesDuplicatesIntegrationTest
{
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final int MESSAGES = 1_200;
    // Batches that gather for a second: the two copies of a callback (sent within 100 ms of each other)
    // then sit in both instances' batches at once, and both lookups before the inserts miss the other.
    private static final String MAX_AGE = "1s";

    @TempDir
    Path directory;

    private final List<AutoCloseable> resources = new ArrayList<>();
    private Process killable;

    @AfterEach
    void stopAll()
            throws Exception
    {
        if (killable != null) {
            killable.destroyForcibly().waitFor();
        }
        for (int index = resources.size() - 1; index >= 0; index--) {
            resources.get(index).close();
        }
    }

    @Test
    void duplicatesStoredByTwoInstancesCountOnceAfterOneIsKilledMidStream()
            throws Exception
    {
        TestingClickHouseEngine engine = new TestingClickHouseEngine(directory.resolve("clickhouse"));
        resources.add(engine::close);
        engine.start();
        String database = TestingLedger.newDatabaseName();
        int apiPort = freePort();
        int killablePort = freePort();
        int killableAdminPort = freePort();
        // The proxy needs the instances' addresses and the instances its address (the URL Twilio signs):
        // the in-process instance's port is known only once it runs, so it starts on a fixed free port.
        int inProcessPort = freePort();
        RoundRobinProxy proxy = new RoundRobinProxy(List.of(URI.create("http://127.0.0.1:" + inProcessPort), URI.create("http://127.0.0.1:" + killablePort)));
        resources.add(proxy);

        TestingLedger ledger = new TestingLedger(engine, directory.resolve("journal-a"), database,
                ConfigOverride.config("server.applicationConnectors[0].port", String.valueOf(inProcessPort)),
                ConfigOverride.config("twilio.publicBaseUrl", proxy.baseUrl().toString()),
                ConfigOverride.config("twilio.apiBaseUrl", "http://127.0.0.1:" + apiPort),
                ConfigOverride.config("batchWriter.maxAge", MAX_AGE),
                // Without their lookups both instances store every copy they receive, so a callback whose
                // copies went to both is stored by both, whatever the timing of their batches (faster
                // inserts made overlapping batches rare, and with one lookup left the other instance's
                // copy was usually found: no event stored by both, CI at 50b1709).
                ConfigOverride.config("batchWriter.duplicateWindow", "0s")).start();
        resources.add(ledger::close);
        killable = startKillable(engine, database, proxy, apiPort, killablePort, killableAdminPort, "first-run.log");

        Path truth = directory.resolve("truth.jsonl");
        Simulation simulation = Simulation.start(SimulationSettings.builder()
                .target(URI.create(proxy.baseUrl() + "/twilio/status?campaign=two-instances"))
                .account(FIRST_ACCOUNT, FIRST_TOKEN)
                .messages(MESSAGES)
                .rate(40)
                .duplicate(0.5)
                .reorder(0.2)
                .stepDelay(Duration.ofMillis(10), Duration.ofMillis(100))
                .apiPort(apiPort)
                .truthFile(truth)
                .seed(11)
                .build());
        resources.add(simulation);

        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20)).until(() -> proxy.answeredBy(1) >= 100);
        killable.destroyForcibly().waitFor();
        long answeredBeforeKill = proxy.answeredBy(1);
        killable = startKillable(engine, database, proxy, apiPort, killablePort, killableAdminPort, "second-run.log");
        // The restarted instance takes requests again (the simulator may have finished meanwhile: the
        // restart is slow on a busy machine): callbacks of new messages until it has answered one.
        WebhookClient throughProxy = new WebhookClient(proxy.baseUrl().toString());
        int extraMessages = 0;
        while (proxy.answeredBy(1) == answeredBeforeKill && extraMessages < 50) {
            assertThat(throughProxy.post("/twilio/status", StatusCallbacks.callback(FIRST_ACCOUNT, StatusCallbacks.messageSid(), "delivered"), FIRST_TOKEN, Optional.empty())
                    .statusCode()).isEqualTo(200);
            extraMessages++;
        }
        assertThat(proxy.answeredBy(1)).as("the restarted instance answers").isGreaterThan(answeredBeforeKill);

        SimulationReport traffic = simulation.awaitTraffic(Duration.ofMinutes(2));
        assertThat(traffic.targetErrors()).as(traffic.summaryLine()).isZero();
        assertThat(traffic.callbacksDuplicated()).isPositive();
        long callbacks = traffic.callbacksSent() + extraMessages;
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                .until(() -> ledger.count("SELECT uniqExact(event_id) FROM status_events WHERE source = 'callback'", Map.of()) == callbacks);

        VerifyReport verify = Verifier.verify(truth, engine.httpUrl(), database, "default", "");
        assertThat(verify.allMatch()).as(verify.summaryLine() + " " + verify.mismatches()).isTrue();
        assertThat(verify.messages()).isEqualTo(MESSAGES);

        // The test proves something only if both instances stored some event: rows of one event id whose
        // requests (the callback and its retry, same idempotency token) were answered by both instances.
        List<Map<String, Object>> storedTwice = ledger.clickhouse().withHandle(handle -> handle.createQuery("""
                SELECT message_sid, any(idempotency_token) AS token FROM status_events
                GROUP BY message_sid, event_id HAVING count() > 1""").mapToMap().list());
        List<String> duplicatedMessages = storedTwice.stream()
                .filter(row -> proxy.instancesThatAnswered((String) row.get("token")).size() == 2)
                .map(row -> (String) row.get("message_sid"))
                .distinct()
                .toList();
        assertThat(duplicatedMessages).as("events stored by both instances").isNotEmpty();

        // message_status: event_count is the number of distinct event ids of each message.
        assertThat(ledger.count("""
                SELECT count() FROM message_status AS state
                LEFT JOIN (SELECT message_sid, uniqExact(event_id) AS events FROM status_events GROUP BY message_sid) AS stored USING message_sid
                WHERE state.event_count != stored.events""", Map.of())).isZero();
        assertThat(ledger.count("SELECT sum(event_count) FROM message_status", Map.of()))
                .isEqualTo(ledger.count("SELECT uniqExact(event_id) FROM status_events", Map.of()));
        // events_per_minute: distinct events, while its row count sees every stored copy.
        long distinctEvents = ledger.count("SELECT uniqExact(event_id) FROM status_events", Map.of());
        assertThat(ledger.count("SELECT uniqMerge(event_ids) FROM events_per_minute", Map.of())).isEqualTo(distinctEvents);
        assertThat(ledger.count("SELECT sum(events) FROM events_per_minute", Map.of()))
                .isEqualTo(ledger.count("SELECT count() FROM status_events", Map.of()))
                .isGreaterThan(distinctEvents);
        // The API's timeline lists each event once, and its event count agrees.
        for (String messageSid : duplicatedMessages.subList(0, Math.min(20, duplicatedMessages.size()))) {
            JsonNode message = message(ledger, messageSid);
            Set<String> eventIds = new HashSet<>();
            message.get("events").forEach(event -> assertThat(eventIds.add(event.get("eventId").asText())).as("event listed once in %s", message).isTrue());
            long stored = ledger.count("SELECT uniqExact(event_id) FROM status_events WHERE message_sid = :sid", Map.of("sid", messageSid));
            assertThat(eventIds).hasSize((int) stored);
            assertThat(message.get("eventCount").asLong()).isEqualTo(stored);
        }
        // The read model counts messages, each once.
        ledger.awaitReadModel();
        assertThat(ledger.count("SELECT sum(messages) FROM status_counts WHERE granularity = 'day'", Map.of())).isEqualTo(MESSAGES + extraMessages);
    }

    private Process startKillable(TestingClickHouseEngine engine, String database, RoundRobinProxy proxy, int apiPort, int port, int adminPort, String logName)
            throws IOException, InterruptedException
    {
        ProcessBuilder builder = LedgerProcess.server("384m")
                .redirectErrorStream(true)
                .redirectOutput(directory.resolve(logName).toFile());
        builder.command().add(1, "-Ddw.batchWriter.maxAge=" + MAX_AGE);
        builder.command().add(1, "-Ddw.batchWriter.duplicateWindow=0s");
        builder.command().add(1, "-Ddw.reconcile.schedule=false");
        builder.environment().put("HTTP_PORT", String.valueOf(port));
        builder.environment().put("ADMIN_PORT", String.valueOf(adminPort));
        builder.environment().put("JOURNAL_DIR", directory.resolve("journal-b").toString());
        builder.environment().put("CLICKHOUSE_URL", engine.httpUrl());
        builder.environment().put("CLICKHOUSE_DATABASE", database);
        builder.environment().put("TWILIO_ACCOUNT_SID", FIRST_ACCOUNT);
        builder.environment().put("TWILIO_AUTH_TOKEN", FIRST_TOKEN);
        builder.environment().put("TWILIO_API_BASE_URL", "http://127.0.0.1:" + apiPort);
        builder.environment().put("PUBLIC_BASE_URL", proxy.baseUrl().toString());
        Process process = builder.start();
        HttpRequest ping = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/ping")).timeout(Duration.ofSeconds(2)).build();
        for (int attempt = 0; attempt < 600; attempt++) {
            assertThat(process.isAlive()).as("service running; its log: %s", directory.resolve(logName)).isTrue();
            try {
                if (HTTP.send(ping, HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
                    return process;
                }
            }
            catch (IOException e) {
                Thread.sleep(100);
            }
        }
        throw new AssertionError("Service did not start within 60 s:\n" + Files.readString(directory.resolve(logName)));
    }

    private static JsonNode message(TestingLedger ledger, String messageSid)
            throws Exception
    {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + ledger.port() + "/api/v1/messages/" + messageSid))
                .header("Authorization", "Bearer " + API_TOKEN).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return MAPPER.readTree(response.body());
    }

    private static int freePort()
            throws IOException
    {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
