package io.deliveryledger.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.deliveryledger.testing.PrometheusScrape;
import io.deliveryledger.testing.StatusCallbacks;
import io.deliveryledger.testing.TestingClickHouseEngine;
import io.deliveryledger.testing.TestingLedger;
import io.deliveryledger.testing.WebhookClient;
import io.dropwizard.testing.ConfigOverride;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
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
import java.util.Set;

import static io.deliveryledger.testing.TestingLedger.FIRST_ACCOUNT;
import static io.deliveryledger.testing.TestingLedger.FIRST_TOKEN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * ClickHouse stopped and the journal filled up until Twilio gets 503s: the process is alive (liveness,
 * which the container's health check asks, stays healthy), it is not ready (readiness names ClickHouse
 * and the journal), and Prometheus still sees the backlog, the failing inserts and the refused
 * callbacks, under the names the dashboards' Prometheus panels and alert rules query.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class OutageMonitoringIntegrationTest
{
    private TestingClickHouseEngine engine;
    private TestingLedger ledger;

    @BeforeAll
    void startLedgerThenStopClickHouseAndFillTheJournal(@TempDir Path directory)
            throws Exception
    {
        engine = new TestingClickHouseEngine(directory.resolve("clickhouse"));
        engine.start();
        ledger = new TestingLedger(engine, directory.resolve("journal"),
                ConfigOverride.config("journal.segmentSize", "16KiB"),
                ConfigOverride.config("journal.maxSize", "64KiB")).start();
        WebhookClient client = ledger.client();
        String first = StatusCallbacks.messageSid();
        assertThat(post(client, first, "sent", FIRST_TOKEN)).isEqualTo(200);
        ledger.awaitStored(first);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(get(ledger.adminUrl() + "/healthcheck").statusCode()).as("ready before the outage").isEqualTo(200));
        assertThat(get(ledger.adminUrl() + "/healthcheck/live").statusCode()).isEqualTo(200);

        engine.stop();
        int status = 200;
        for (int i = 0; i < 5000 && status == 200; i++) {
            status = post(client, StatusCallbacks.messageSid(), "delivered", FIRST_TOKEN);
        }
        assertThat(status).as("a full journal answers 503").isEqualTo(503);
        // A malformed and a wrongly signed callback, so that every refusal has its series.
        assertThat(post(client, StatusCallbacks.messageSid(), "exploded", FIRST_TOKEN)).isEqualTo(400);
        assertThat(post(client, StatusCallbacks.messageSid(), "sent", "not-the-token")).isEqualTo(403);
    }

    @AfterAll
    void stopAll()
    {
        if (ledger != null) {
            ledger.close();
        }
        if (engine != null) {
            engine.close();
        }
    }

    @Test
    void livenessStaysHealthyWithClickHouseDownAndTheJournalFull()
            throws Exception
    {
        HttpResponse<String> live = get(ledger.adminUrl() + "/healthcheck/live");

        assertThat(live.statusCode()).isEqualTo(200);
        JsonNode checks = new ObjectMapper().readTree(live.body());
        assertThat(checks.path("journal-writer").path("healthy").asBoolean()).isTrue();
        assertThat(checks.path("deadlocks").path("healthy").asBoolean()).isTrue();
        List<String> names = new ArrayList<>();
        checks.fieldNames().forEachRemaining(names::add);
        assertThat(names).as("liveness asks nothing of ClickHouse").containsExactlyInAnyOrder("journal-writer", "deadlocks");
    }

    @Test
    void readinessNamesClickHouseAndTheJournal()
            throws Exception
    {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            HttpResponse<String> ready = get(ledger.adminUrl() + "/healthcheck");
            assertThat(ready.statusCode()).isEqualTo(500);
            JsonNode checks = new ObjectMapper().readTree(ready.body());
            assertThat(checks.path("clickhouse").path("healthy").asBoolean()).isFalse();
            assertThat(checks.path("journal").path("healthy").asBoolean()).isFalse();
            assertThat(checks.path("journal").path("message").asText()).startsWith("Journal nearly full");
        });
    }

    @Test
    void prometheusSeesTheOutageUnderTheNamesTheDashboardsQuery()
            throws Exception
    {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(PrometheusScrape.of(ledger.adminUrl()).value("sink_insert_failures_total")).isPositive());
        PrometheusScrape scrape = PrometheusScrape.of(ledger.adminUrl());

        assertThat(scrape.value("journal_lag")).isGreaterThan(20);
        assertThat(scrape.value("journal_unconfirmed_bytes")).isGreaterThan(0.8 * 64 * 1024);
        assertThat(scrape.value("intake_unavailable_total", Map.of("reason", "journal-full"))).isGreaterThanOrEqualTo(1);
        assertThat(scrape.value("intake_rejected_total", Map.of("reason", "unknown_status"))).isGreaterThanOrEqualTo(1);
        assertThat(scrape.value("intake_forbidden_total", Map.of("reason", "invalid"))).isGreaterThanOrEqualTo(1);

        Set<String> queried = DashboardPromQl.metricNames(Path.of(System.getProperty("ledger.repository.root", "..")).resolve("dashboards"));
        assertThat(queried).as("metrics the dashboards' PromQL names")
                .contains("journal_unconfirmed_bytes", "sink_insert_failures_total", "intake_rejected_total", "intake_unavailable_total");
        // up is Prometheus' own metric of each scrape.
        assertThat(scrape.names()).containsAll(queried.stream().filter(name -> !name.equals("up")).toList());
    }

    private static int post(WebhookClient client, String sid, String status, String token)
            throws Exception
    {
        return client.post("/twilio/status", StatusCallbacks.callback(FIRST_ACCOUNT, sid, status), token, Optional.empty()).statusCode();
    }

    private static HttpResponse<String> get(String url)
            throws Exception
    {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
