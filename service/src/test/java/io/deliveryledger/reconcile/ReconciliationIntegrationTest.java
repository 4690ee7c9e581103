package io.deliveryledger.reconcile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.deliveryledger.simulator.ApiStatistics;
import io.deliveryledger.simulator.Simulation;
import io.deliveryledger.simulator.SimulationReport;
import io.deliveryledger.simulator.SimulationSettings;
import io.deliveryledger.simulator.Verifier;
import io.deliveryledger.simulator.VerifyReport;
import io.deliveryledger.testing.StatusCallbacks;
import io.deliveryledger.testing.TestingClickHouseEngine;
import io.deliveryledger.testing.TestingLedger;
import io.dropwizard.testing.ConfigOverride;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import static io.deliveryledger.testing.TestingLedger.API_TOKEN;
import static io.deliveryledger.testing.TestingLedger.FIRST_ACCOUNT;
import static io.deliveryledger.testing.TestingLedger.FIRST_TOKEN;
import static io.deliveryledger.testing.TestingLedger.SECOND_ACCOUNT;
import static io.deliveryledger.testing.TestingLedger.SECOND_OLD_TOKEN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The Twilio simulator sends callbacks (some lost, duplicated, reordered) into the running service and
 * serves the Messages API that twilio-java reaches through {@code twilio.apiBaseUrl}; after
 * reconciliation, ClickHouse must hold every message's true final status.
 */
final class ReconciliationIntegrationTest
{
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    static Path directory;

    private static TestingClickHouseEngine engine;
    private final List<AutoCloseable> resources = new ArrayList<>();
    private int testNumber;

    @BeforeAll
    static void startEngine()
            throws Exception
    {
        engine = new TestingClickHouseEngine(directory.resolve("clickhouse"));
        engine.start();
    }

    @AfterAll
    static void stopEngine()
    {
        if (engine != null) {
            engine.close();
        }
    }

    @AfterEach
    void closeResources()
            throws Exception
    {
        for (int index = resources.size() - 1; index >= 0; index--) {
            resources.get(index).close();
        }
        resources.clear();
    }

    @Test
    void oneRunMakesTheLedgerCompleteDespiteLostDuplicatedAndReorderedCallbacks()
            throws Exception
    {
        int apiPort = freePort();
        TestingLedger ledger = startLedger(apiPort);
        Instant start = Instant.now().minusSeconds(60);
        Path truth = directory.resolve("truth-complete.jsonl");
        Simulation simulation = startSimulation(SimulationSettings.builder()
                .target(URI.create("http://127.0.0.1:" + ledger.port() + "/twilio/status?campaign=e2e"))
                .account(FIRST_ACCOUNT, FIRST_TOKEN)
                .account(SECOND_ACCOUNT, SECOND_OLD_TOKEN)
                .messages(10_000)
                .rate(2_000)
                .drop(0.10)
                .duplicate(0.05)
                .reorder(0.20)
                .stepDelay(Duration.ofMillis(5), Duration.ofMillis(50))
                .apiPort(apiPort)
                .apiMaxInFlight(50)
                .truthFile(truth)
                .seed(42));
        SimulationReport traffic = simulation.awaitTraffic(Duration.ofMinutes(3));
        assertThat(traffic.targetErrors()).isZero();
        assertThat(traffic.callbacksDropped()).isPositive();
        awaitCallbacksStored(ledger, traffic);

        VerifyReport before = verify(ledger, truth);
        assertThat(before.allMatch()).as(before.summaryLine()).isFalse();
        long pendingBefore = ledger.count("SELECT count() FROM message_status WHERE status IN ('accepted', 'scheduled', 'queued', 'sending', 'sent')", Map.of());

        JsonNode run = reconcile(ledger, "staleAfter=PT0S&from=" + start + "&to=" + Instant.now().plusSeconds(60));

        VerifyReport after = verify(ledger, truth);
        assertThat(after.allMatch()).as(after.summaryLine() + " " + after.mismatches()).isTrue();
        assertThat(after.messages()).isEqualTo(10_000);
        ApiStatistics api = simulation.apiStatistics();
        // At most one fetch per stale message plus the list pages (1000 messages a page, per account).
        assertThat(api.fetches()).isLessThanOrEqualTo(pendingBefore);
        assertThat(api.listPages()).isBetween(10L, 12L);
        assertThat(run.get("outcome").asText()).isEqualTo("completed");
        assertThat(run.get("checked").asLong()).isGreaterThanOrEqualTo(10_000);
        assertThat(run.get("fixed").asLong()).isEqualTo(before.missing() + before.wrongStatus());
        assertThat(run.get("apiCalls").asLong()).isEqualTo(api.total());
        assertThat(ledger.count("""
                SELECT count() FROM reconciliation_runs
                WHERE run_id = :runId AND trigger = 'task' AND outcome = 'completed' AND fixed = :fixed AND checked = :checked AND api_calls = :calls
                  AND window_from IS NOT NULL AND stale_after_seconds = 0""",
                Map.of("runId", run.get("runId").asText(), "fixed", run.get("fixed").asLong(), "checked", run.get("checked").asLong(), "calls", api.total())))
                .isEqualTo(1);
        // Lost callbacks came back as reconcile events; duplicated ones were not stored twice.
        assertThat(ledger.count("SELECT count() FROM status_events WHERE source = 'reconcile'", Map.of())).isEqualTo(run.get("fixed").asLong());
        assertThat(ledger.count("SELECT count() - uniqExact(event_id) FROM status_events", Map.of())).isZero();
    }

    @Test
    void registeredMessagesThatNeverGetACallbackAreFetchedOnceAndResolved()
            throws Exception
    {
        int apiPort = freePort();
        TestingLedger ledger = startLedger(apiPort);
        Path truth = directory.resolve("truth-registered.jsonl");
        Simulation simulation = startSimulation(registeredWithoutCallbacks(ledger, apiPort, 300, truth));
        SimulationReport traffic = simulation.awaitTraffic(Duration.ofMinutes(1));
        assertThat(traffic.messagesRegistered()).isEqualTo(300);
        assertThat(traffic.registrationErrors()).isZero();
        await().atMost(Duration.ofSeconds(60)).until(() -> ledger.count("SELECT count() FROM message_status", Map.of()) == 300);
        assertThat(verify(ledger, truth).match()).isZero();

        JsonNode run = reconcile(ledger, "staleAfter=PT0S");

        assertThat(verify(ledger, truth).allMatch()).isTrue();
        assertThat(simulation.apiStatistics().fetches()).isEqualTo(300);
        assertThat(simulation.apiStatistics().listPages()).isZero();
        assertThat(run.get("checked").asLong()).isEqualTo(300);
        assertThat(run.get("fixed").asLong()).isEqualTo(300);
        assertThat(ledger.count("SELECT count() FROM reconcile_checks WHERE outcome = 'updated'", Map.of())).isEqualTo(300);

        // Every message is final now: the next run has nothing to fetch.
        JsonNode again = reconcile(ledger, "staleAfter=PT0S");
        assertThat(again.get("checked").asLong()).isZero();
        assertThat(simulation.apiStatistics().fetches()).isEqualTo(300);
    }

    @Test
    void rateLimitStormSlowsReconciliationDownButLosesNothing()
            throws Exception
    {
        int apiPort = freePort();
        TestingLedger ledger = startLedger(apiPort);
        Path truth = directory.resolve("truth-storm.jsonl");
        Simulation simulation = startSimulation(registeredWithoutCallbacks(ledger, apiPort, 200, truth)
                .apiMaxInFlight(2)
                .api429Probability(0.3)
                .apiRetryAfter(Duration.ofSeconds(1)));
        simulation.awaitTraffic(Duration.ofMinutes(1));
        await().atMost(Duration.ofSeconds(60)).until(() -> ledger.count("SELECT count() FROM message_status", Map.of()) == 200);

        JsonNode run = reconcile(ledger, "staleAfter=PT0S");

        ApiStatistics api = simulation.apiStatistics();
        assertThat(api.tooManyRequests()).isPositive();
        assertThat(run.get("rateLimited").asLong()).isEqualTo(api.tooManyRequests());
        assertThat(run.get("outcome").asText()).isEqualTo("completed");
        assertThat(run.get("failed").asLong()).isZero();
        assertThat(run.get("fixed").asLong()).isEqualTo(200);
        assertThat(verify(ledger, truth).allMatch()).isTrue();
    }

    @Test
    void fetchesThatKeepFailingAreCountedAndLeaveTheMessagesStale()
            throws Exception
    {
        int apiPort = freePort();
        TestingLedger ledger = startLedger(apiPort, ConfigOverride.config("reconcile.maxAttempts", "2"));
        Path truth = directory.resolve("truth-failing.jsonl");
        Simulation simulation = startSimulation(registeredWithoutCallbacks(ledger, apiPort, 5, truth)
                .api429Probability(1.0)
                .apiRetryAfter(Duration.ZERO));
        simulation.awaitTraffic(Duration.ofMinutes(1));
        await().atMost(Duration.ofSeconds(60)).until(() -> ledger.count("SELECT count() FROM message_status", Map.of()) == 5);

        JsonNode run = reconcile(ledger, "staleAfter=PT0S");

        assertThat(run.get("outcome").asText()).isEqualTo("completed");
        assertThat(run.get("failed").asLong()).isEqualTo(5);
        assertThat(run.get("checked").asLong()).isZero();
        assertThat(run.get("rateLimited").asLong()).isEqualTo(10);
        assertThat(ledger.count("SELECT count() FROM reconcile_checks", Map.of())).isZero();
        assertThat(ledger.count("SELECT count() FROM reconciliation_runs WHERE failed = 5", Map.of())).isEqualTo(1);
    }

    @Test
    void messageTwilioDoesNotKnowIsRecordedAsNotFound()
            throws Exception
    {
        int apiPort = freePort();
        TestingLedger ledger = startLedger(apiPort);
        startSimulation(SimulationSettings.builder()
                .target(URI.create("http://127.0.0.1:" + ledger.port() + "/twilio/status"))
                .account(FIRST_ACCOUNT, FIRST_TOKEN)
                .messages(0)
                .apiPort(apiPort));
        String unknown = StatusCallbacks.messageSid();
        assertThat(ledger.client().post("/twilio/status", StatusCallbacks.callback(FIRST_ACCOUNT, unknown, "sent"), FIRST_TOKEN, Optional.empty()).statusCode()).isEqualTo(200);
        ledger.awaitStored(unknown);

        JsonNode run = reconcile(ledger, "staleAfter=PT0S");

        assertThat(run.get("notFound").asLong()).isEqualTo(1);
        assertThat(run.get("fixed").asLong()).isZero();
        assertThat(ledger.count("SELECT count() FROM reconcile_checks WHERE message_sid = :sid AND outcome = 'not_found' AND status = 'sent'", Map.of("sid", unknown))).isEqualTo(1);
        assertThat(ledger.count("SELECT count() FROM message_status WHERE message_sid = :sid AND status = 'sent'", Map.of("sid", unknown))).isEqualTo(1);
        // Checked since it became stale: not fetched again until it is stale once more.
        assertThat(reconcile(ledger, "staleAfter=PT1H").get("checked").asLong()).isZero();
    }

    @Test
    void messagesFirstSeenBeforeTheLookbackAreLeftAlone()
            throws Exception
    {
        int apiPort = freePort();
        TestingLedger ledger = startLedger(apiPort);
        Simulation simulation = startSimulation(SimulationSettings.builder()
                .target(URI.create("http://127.0.0.1:" + ledger.port() + "/twilio/status"))
                .account(FIRST_ACCOUNT, FIRST_TOKEN)
                .messages(0)
                .apiPort(apiPort));
        // Registered as created 2 and 10 days ago, still queued, unknown to Twilio: the lookback is 7 days.
        String recent = StatusCallbacks.messageSid();
        String old = StatusCallbacks.messageSid();
        assertThat(register(ledger, created(recent, Instant.now().minus(Duration.ofDays(2))), created(old, Instant.now().minus(Duration.ofDays(10)))).statusCode())
                .isEqualTo(200);
        ledger.awaitStored(old);

        JsonNode run = reconcile(ledger, "staleAfter=PT0S");

        assertThat(run.get("checked").asLong()).isEqualTo(1);
        assertThat(run.get("notFound").asLong()).isEqualTo(1);
        assertThat(simulation.apiStatistics().total()).isEqualTo(1);
        assertThat(ledger.count("SELECT count() FROM reconcile_checks WHERE message_sid = :sid", Map.of("sid", recent))).isEqualTo(1);
        assertThat(ledger.count("SELECT count() FROM reconcile_checks WHERE message_sid = :sid", Map.of("sid", old))).isZero();
    }

    @Test
    void rejectedCredentialsStopTheRunWithAClearMessage()
            throws Exception
    {
        int apiPort = freePort();
        TestingLedger ledger = startLedger(apiPort, ConfigOverride.config("twilio.authToken", "revoked-token"));
        startSimulation(SimulationSettings.builder()
                .target(URI.create("http://127.0.0.1:" + ledger.port() + "/twilio/status"))
                .account(FIRST_ACCOUNT, FIRST_TOKEN)
                .account(SECOND_ACCOUNT, SECOND_OLD_TOKEN)
                .messages(0)
                .apiPort(apiPort));

        HttpResponse<String> response = postReconcile(ledger, "from=2026-11-26&to=2026-11-27");

        assertThat(response.statusCode()).isEqualTo(500);
        JsonNode run = MAPPER.readTree(response.body());
        assertThat(run.get("outcome").asText()).isEqualTo("failed");
        assertThat(run.get("error").asText()).contains("Twilio rejected the credentials of account " + FIRST_ACCOUNT).contains("HTTP 401");
        assertThat(ledger.count("SELECT count() FROM reconciliation_runs WHERE outcome = 'failed' AND error LIKE '%rejected the credentials%'", Map.of())).isEqualTo(1);
    }

    @Test
    void twoInstancesOnTheScheduleListYesterdayOnceAndRunOneReconciliationAtATime()
            throws Exception
    {
        int apiPort = freePort();
        String database = TestingLedger.newDatabaseName();
        // Overrides of their own for each: a ConfigOverride remembers the property's value before it, to restore it.
        TestingLedger ledger = startLedger(apiPort, database, ConfigOverride.config("reconcile.schedule", "true"), ConfigOverride.config("reconcile.interval", "1s"));
        startLedger(apiPort, database, ConfigOverride.config("reconcile.schedule", "true"), ConfigOverride.config("reconcile.interval", "1s"));
        Simulation simulation = startSimulation(SimulationSettings.builder()
                .target(URI.create("http://127.0.0.1:" + ledger.port() + "/twilio/status"))
                .account(FIRST_ACCOUNT, FIRST_TOKEN)
                .account(SECOND_ACCOUNT, SECOND_OLD_TOKEN)
                .messages(0)
                .apiPort(apiPort));

        await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                .until(() -> ledger.count("SELECT count() FROM reconciliation_runs WHERE trigger = 'schedule' AND outcome = 'completed'", Map.of()) >= 6);

        long yesterday = LocalDate.now(ZoneOffset.UTC).minusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
        // A run may start before the simulated API is up, fail, and leave yesterday to the next one.
        assertThat(ledger.count("SELECT count() FROM reconciliation_runs WHERE trigger = 'schedule' AND outcome = 'completed' AND toUnixTimestamp64Milli(window_from) = :yesterday AND toUnixTimestamp64Milli(window_to) = :today",
                Map.of("yesterday", yesterday, "today", yesterday + Duration.ofDays(1).toMillis())))
                .isEqualTo(1);
        assertThat(ledger.count("SELECT count() FROM reconciliation_runs WHERE trigger = 'schedule' AND window_from IS NULL AND stale_after_seconds = 43200", Map.of()))
                .isGreaterThanOrEqualTo(2);
        // One (empty) page per account, from the single discovery run of both instances.
        assertThat(simulation.apiStatistics().listPages()).isEqualTo(2);
        // Each interval was claimed once, and no run began before the one before it had ended.
        assertThat(ledger.count("SELECT count() FROM (SELECT slot FROM reconcile_claims GROUP BY slot HAVING count() > 1)", Map.of())).isZero();
        assertThat(ledger.count("""
                SELECT count() FROM (
                    SELECT started_at, lagInFrame(finished_at) OVER (ORDER BY started_at ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS previous_end, row_number() OVER (ORDER BY started_at) AS n
                    FROM reconciliation_runs WHERE trigger = 'schedule')
                WHERE n > 1 AND started_at < previous_end""", Map.of())).isZero();
        // Every scheduled run had its claim (one query: both instances are still running).
        assertThat(ledger.count("SELECT (SELECT count() FROM reconciliation_runs WHERE trigger = 'schedule') - (SELECT count() FROM reconcile_claims)", Map.of()))
                .isLessThanOrEqualTo(0);
    }

    @Test
    void badParametersAreRefusedNamingTheParameter()
            throws Exception
    {
        TestingLedger ledger = startLedger(freePort());

        assertBadRequest(ledger, "staleAfter=12h", "Parameter 'staleAfter' must be an ISO-8601 duration");
        assertBadRequest(ledger, "from=2026-11-26T00:00:00Z", "Parameters 'from' and 'to' go together");
        assertBadRequest(ledger, "from=yesterday&to=today", "'from' must be an ISO-8601 instant");
        assertBadRequest(ledger, "from=2026-11-27&to=2026-11-26", "'from' (2026-11-27T00:00:00Z) must be before 'to'");
        assertBadRequest(ledger, "staleAfter=-PT1H", "'staleAfter' must not be negative");
        // The batch writer creates the tables as it starts; none of the refused requests added a run.
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                .until(() -> ledger.count("SELECT count() FROM schema_migrations WHERE version = 2", Map.of()) == 1);
        assertThat(ledger.count("SELECT count() FROM reconciliation_runs", Map.of())).isZero();
    }

    private static void assertBadRequest(TestingLedger ledger, String query, String message)
            throws Exception
    {
        HttpResponse<String> response = postReconcile(ledger, query);
        assertThat(response.statusCode()).as(query).isEqualTo(400);
        assertThat(MAPPER.readTree(response.body()).get("message").asText()).contains(message);
    }

    private TestingLedger startLedger(int apiPort, ConfigOverride... overrides)
            throws Exception
    {
        return startLedger(apiPort, TestingLedger.newDatabaseName(), overrides);
    }

    private TestingLedger startLedger(int apiPort, String database, ConfigOverride... overrides)
            throws Exception
    {
        List<ConfigOverride> all = new ArrayList<>(List.of(overrides));
        all.add(ConfigOverride.config("twilio.apiBaseUrl", "http://127.0.0.1:" + apiPort));
        TestingLedger ledger = new TestingLedger(engine, directory.resolve("journal-" + testNumber++ + "-" + apiPort), database, all.toArray(ConfigOverride[]::new)).start();
        resources.add(ledger::close);
        return ledger;
    }

    private Simulation startSimulation(SimulationSettings.Builder settings)
    {
        Simulation simulation = Simulation.start(settings.build());
        resources.add(simulation);
        return simulation;
    }

    /** A sender that registers every message, whose callbacks all get lost. */
    private static SimulationSettings.Builder registeredWithoutCallbacks(TestingLedger ledger, int apiPort, int messages, Path truth)
    {
        return SimulationSettings.builder()
                .target(URI.create("http://127.0.0.1:" + ledger.port() + "/twilio/status"))
                .account(FIRST_ACCOUNT, FIRST_TOKEN)
                .messages(messages)
                .rate(1_000)
                .drop(1.0)
                .stepDelay(Duration.ofMillis(1), Duration.ofMillis(5))
                .apiPort(apiPort)
                .register(URI.create("http://127.0.0.1:" + ledger.port() + "/api/v1/messages"), 1.0, Optional.of(API_TOKEN))
                .truthFile(truth);
    }

    /** What Twilio's create call returns for a queued message without a Messaging Service. */
    private static String created(String messageSid, Instant dateCreated)
    {
        String date = DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss Z", Locale.US).format(dateCreated.atZone(ZoneOffset.UTC));
        return """
                {"sid": "%s", "account_sid": "%s", "messaging_service_sid": null, "status": "queued", "direction": "outbound-api",
                 "from": "+14155550199", "to": "+14155550123", "body": "Hello", "num_segments": "1", "num_media": "0",
                 "error_code": null, "error_message": null, "price": null, "price_unit": "USD", "api_version": "2010-04-01",
                 "date_created": "%s", "date_sent": null, "date_updated": "%s",
                 "uri": "/2010-04-01/Accounts/%s/Messages/%s.json", "subresource_uris": {}}"""
                .formatted(messageSid, FIRST_ACCOUNT, date, date, FIRST_ACCOUNT, messageSid);
    }

    private static HttpResponse<String> register(TestingLedger ledger, String... messages)
            throws Exception
    {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ledger.port() + "/api/v1/messages"))
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + API_TOKEN)
                .POST(HttpRequest.BodyPublishers.ofString("[" + String.join(",", messages) + "]"))
                .build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static void awaitCallbacksStored(TestingLedger ledger, SimulationReport traffic)
    {
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
                .until(() -> ledger.count("SELECT count() FROM status_events WHERE source = 'callback'", Map.of()) == traffic.callbacksSent());
    }

    private static VerifyReport verify(TestingLedger ledger, Path truth)
    {
        return Verifier.verify(truth, engine.httpUrl(), ledger.database(), "default", "");
    }

    private static JsonNode reconcile(TestingLedger ledger, String query)
            throws Exception
    {
        HttpResponse<String> response = postReconcile(ledger, query);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return MAPPER.readTree(response.body());
    }

    private static HttpResponse<String> postReconcile(TestingLedger ledger, String query)
            throws Exception
    {
        // The stale query reads the read model, a moment behind what was just stored.
        ledger.awaitReadModel();
        HttpRequest request = HttpRequest.newBuilder(URI.create(ledger.adminUrl() + "/tasks/reconcile?" + query))
                .POST(HttpRequest.BodyPublishers.noBody())
                .timeout(Duration.ofMinutes(3))
                .build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static int freePort()
            throws IOException
    {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
