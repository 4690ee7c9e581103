package io.deliveryledger.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.deliveryledger.testing.StatusCallbacks;
import io.deliveryledger.testing.TestingEngineExtension;
import io.deliveryledger.testing.TestingLedger;
import io.deliveryledger.testing.WebhookClient;
import io.dropwizard.testing.ConfigOverride;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static io.deliveryledger.testing.TestingLedger.API_TOKEN;
import static io.deliveryledger.testing.TestingLedger.FIRST_ACCOUNT;
import static io.deliveryledger.testing.TestingLedger.FIRST_TOKEN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The API's reads wait on ClickHouse and webhooks do not: however many reads arrive while ClickHouse
 * hangs (the engine frozen with SIGSTOP), Twilio's callbacks are still acknowledged, the reads beyond
 * {@code api.maxConcurrentRequests} wait without a thread, and those beyond the queue or its time are
 * answered 503 with Retry-After.
 */
final class ApiRequestLimitIntegrationTest
{
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @RegisterExtension
    static final TestingEngineExtension ENGINE = new TestingEngineExtension();

    @TempDir
    Path directory;

    private TestingLedger ledger;

    @AfterEach
    void stopLedger()
    {
        // The next test needs the engine running, whatever this one left; SIGCONT does nothing to one that runs.
        ENGINE.engine().resume();
        if (ledger != null) {
            ledger.close();
        }
    }

    @Test
    void webhooksAreAcknowledgedWhileReadsPileUpOnAClickHouseThatHangs()
            throws Exception
    {
        // Fewer threads than reads: without the limit, the reads would hold every one of them.
        String stored = startWithOneMessage(
                ConfigOverride.config("server.maxThreads", "32"),
                ConfigOverride.config("api.maxConcurrentRequests", "2"),
                ConfigOverride.config("api.maxQueueTime", "0s"));
        WebhookClient client = ledger.client();

        List<CompletableFuture<HttpResponse<String>>> reads = readsWhileClickHouseHangs(100, "/api/v1/messages/" + stored);
        await().atMost(Duration.ofSeconds(30)).until(() -> metric("api.requests.queued") == 98);
        List<String> acknowledged = new ArrayList<>();
        for (int callback = 0; callback < 20; callback++) {
            acknowledged.add(send(client));
        }
        assertThat(reads).as("reads answered while ClickHouse hangs").noneMatch(CompletableFuture::isDone);

        ENGINE.engine().resume();
        for (CompletableFuture<HttpResponse<String>> read : reads) {
            HttpResponse<String> response = read.get(60, TimeUnit.SECONDS);
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            assertThat(MAPPER.readTree(response.body()).path("messageSid").asText()).isEqualTo(stored);
        }
        ledger.awaitStored(acknowledged.get(acknowledged.size() - 1));
        assertThat(ledger.count("SELECT uniqExact(message_sid) FROM status_events WHERE message_sid IN (<sids>)", Map.of("sids", acknowledged))).isEqualTo(20);
        assertThat(metric("api.requests.refused")).isZero();
    }

    @Test
    void readsBeyondTheQueueAreAnswered503AtOnce()
            throws Exception
    {
        String stored = startWithOneMessage(
                ConfigOverride.config("api.maxConcurrentRequests", "2"),
                ConfigOverride.config("api.maxQueuedRequests", "8"),
                ConfigOverride.config("api.maxQueueTime", "0s"));

        List<CompletableFuture<HttpResponse<String>>> reads = readsWhileClickHouseHangs(30, "/api/v1/messages/" + stored);
        // 2 run (and hang), 8 wait, 20 are refused.
        await().atMost(Duration.ofSeconds(30)).until(() -> reads.stream().filter(CompletableFuture::isDone).count() == 20);
        for (CompletableFuture<HttpResponse<String>> read : reads.stream().filter(CompletableFuture::isDone).toList()) {
            assertRefused(read.join(), "Too many API requests: 2 running and 8 waiting; try again later");
        }
        assertThat(metric("api.requests.queued")).isEqualTo(8);
        assertThat(metric("api.requests.refused")).isEqualTo(20);

        ENGINE.engine().resume();
        List<Integer> statuses = new ArrayList<>();
        for (CompletableFuture<HttpResponse<String>> read : reads) {
            statuses.add(read.get(60, TimeUnit.SECONDS).statusCode());
        }
        assertThat(statuses).filteredOn(status -> status == 200).hasSize(10);
        assertThat(statuses).filteredOn(status -> status == 503).hasSize(20);
    }

    @Test
    void aReadWaitingLongerThanTheQueueTimeIsAnswered503()
            throws Exception
    {
        String stored = startWithOneMessage(
                ConfigOverride.config("api.maxConcurrentRequests", "1"),
                ConfigOverride.config("api.maxQueueTime", "1s"));

        CompletableFuture<HttpResponse<String>> running = readsWhileClickHouseHangs(1, "/api/v1/messages/" + stored).get(0);
        // The first read holds the one place before the next arrives.
        await().atMost(Duration.ofSeconds(10)).until(() -> metric("api.requests.received") == 1);
        CompletableFuture<HttpResponse<String>> waiting = read("/api/v1/stats/summary");
        HttpResponse<String> expired = waiting.get(30, TimeUnit.SECONDS);
        assertRefused(expired, "The API request waited 1000 ms for one of the 1 running to finish; try again later");
        assertThat(running).as("the read that got ClickHouse's hung connection").isNotDone();
        // The OpenAPI document reads nothing from ClickHouse, so it never waits.
        assertThat(read(OpenApiServlet.PATH).get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);

        ENGINE.engine().resume();
        assertThat(running.get(60, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(metric("api.requests.refused")).isEqualTo(1);
    }

    @Test
    void theLimitFollowsTheApplicationContextPath()
            throws Exception
    {
        ledger = new TestingLedger(ENGINE.engine(), directory.resolve("journal"),
                ConfigOverride.config("server.applicationContextPath", "/ledger"),
                ConfigOverride.config("api.maxConcurrentRequests", "1"),
                ConfigOverride.config("api.maxQueuedRequests", "0")).start();
        String stored = StatusCallbacks.messageSid();
        assertThat(ledger.client().post("/ledger/twilio/status", StatusCallbacks.callback(FIRST_ACCOUNT, stored, "delivered"), FIRST_TOKEN, Optional.empty()).statusCode()).isEqualTo(200);
        ledger.awaitStored(stored);

        CompletableFuture<HttpResponse<String>> running = readsWhileClickHouseHangs(1, "/ledger/api/v1/messages/" + stored).get(0);
        await().atMost(Duration.ofSeconds(10)).until(() -> metric("api.requests.received") == 1);
        assertRefused(read("/ledger/api/v1/stats/summary").get(10, TimeUnit.SECONDS), "Too many API requests: 1 running and 0 waiting; try again later");

        ENGINE.engine().resume();
        assertThat(running.get(60, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    }

    /** Starts the service with these settings and stores one message in it, so that the schema is in place. */
    private String startWithOneMessage(ConfigOverride... overrides)
            throws Exception
    {
        ledger = new TestingLedger(ENGINE.engine(), directory.resolve("journal"), overrides).start();
        String stored = send(ledger.client());
        ledger.awaitStored(stored);
        return stored;
    }

    private static void assertRefused(HttpResponse<String> response, String message)
            throws Exception
    {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(503);
        assertThat(response.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("application/json"));
        JsonNode body = MAPPER.readTree(response.body());
        assertThat(body.path("code").asInt()).isEqualTo(503);
        assertThat(body.path("message").asText()).isEqualTo(message);
    }

    /** Freezes the engine, then sends {@code count} reads of {@code path} at once. */
    private List<CompletableFuture<HttpResponse<String>>> readsWhileClickHouseHangs(int count, String path)
    {
        ENGINE.engine().pause();
        return IntStream.range(0, count).mapToObj(index -> read(path)).toList();
    }

    private CompletableFuture<HttpResponse<String>> read(String path)
    {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ledger.port() + path))
                .header("Authorization", "Bearer " + API_TOKEN)
                .timeout(Duration.ofSeconds(120))
                .build();
        return HTTP.sendAsync(request, HttpResponse.BodyHandlers.ofString());
    }

    private long metric(String name)
            throws Exception
    {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(ledger.adminUrl() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        return MAPPER.readTree(response.body()).path("gauges").path(name).path("value").asLong();
    }

    /** A signed callback of a new message, which must be acknowledged within WebhookClient's 20 s. */
    private static String send(WebhookClient client)
            throws Exception
    {
        String sid = StatusCallbacks.messageSid();
        HttpResponse<String> response = client.post("/twilio/status", StatusCallbacks.callback(FIRST_ACCOUNT, sid, "delivered"), FIRST_TOKEN, Optional.empty());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return sid;
    }
}
