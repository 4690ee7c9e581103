package io.deliveryledger.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.deliveryledger.testing.PrometheusScrape;
import io.deliveryledger.testing.StatusCallbacks;
import io.deliveryledger.testing.TestingLedger;
import io.deliveryledger.testing.TestingLedgerExtension;
import io.deliveryledger.testing.WebhookClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.deliveryledger.testing.TestingLedger.FIRST_ACCOUNT;
import static io.deliveryledger.testing.TestingLedger.FIRST_TOKEN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** GET /metrics/prometheus on the admin port: every metric of /metrics, in Prometheus' text format, as it changes. */
final class PrometheusMetricsIntegrationTest
{
    @RegisterExtension
    static final TestingLedgerExtension LEDGER = new TestingLedgerExtension();

    /** The meters named per reason, which the exposition turns into one metric with a reason label. */
    private static final Pattern PER_REASON = Pattern.compile("(intake\\.(?:rejected|forbidden|unavailable))\\.([^.]+)");

    @Test
    void everyMetricOfTheAdminMetricsIsInTheScrape()
            throws Exception
    {
        // Some meters appear with their first event: one of each kind first.
        WebhookClient client = LEDGER.ledger().client();
        send(client, StatusCallbacks.messageSid(), "sent", FIRST_TOKEN);
        JsonNode metrics = new ObjectMapper().readTree(get(LEDGER.ledger().adminUrl() + "/metrics").body());
        PrometheusScrape scrape = PrometheusScrape.of(LEDGER.ledger().adminUrl());

        assertThat(scrape.contentType()).startsWith("text/plain; version=0.0.4");
        assertThat(scrape.names()).allMatch(name -> PrometheusScrape.METRIC_NAME.matcher(name).matches());
        List<String> expected = new ArrayList<>();
        metrics.path("gauges").fields().forEachRemaining(gauge -> {
            if (gauge.getValue().path("value").isNumber() || gauge.getValue().path("value").isBoolean()) {
                expected.add(prometheusName(gauge.getKey()));
            }
        });
        forEachName(metrics.path("counters"), name -> expected.add(prometheusName(name)));
        forEachName(metrics.path("meters"), name -> expected.add(prometheusName(name) + "_total"));
        forEachName(metrics.path("timers"), name -> expected.add(prometheusName(name) + "_count"));
        forEachName(metrics.path("histograms"), name -> expected.add(prometheusName(name) + "_count"));
        assertThat(expected).as("metrics in /metrics").hasSizeGreaterThan(50);
        assertThat(scrape.names()).containsAll(expected);
        assertThat(scrape.types()).containsEntry("journal_lag", "gauge")
                .containsEntry("journal_fsyncs", "summary")
                .containsEntry("readmodel_lag_seconds", "gauge");
    }

    @Test
    void callbacksMoveTheDataPathMetrics()
            throws Exception
    {
        TestingLedger ledger = LEDGER.ledger();
        PrometheusScrape before = PrometheusScrape.of(ledger.adminUrl());
        WebhookClient client = ledger.client();
        List<String> sids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            sids.add(send(client, StatusCallbacks.messageSid(), "delivered", FIRST_TOKEN));
        }
        ledger.awaitStored(sids.get(sids.size() - 1));
        // The writer counts a batch once ClickHouse confirmed it, a moment after its rows are visible.
        await().atMost(Duration.ofSeconds(30)).until(() -> PrometheusScrape.of(ledger.adminUrl()).value("sink_inserted_rows_total") >= before.value("sink_inserted_rows_total") + 5);
        PrometheusScrape after = PrometheusScrape.of(ledger.adminUrl());

        assertThat(after.value("intake_accepted_total")).isGreaterThanOrEqualTo(before.value("intake_accepted_total") + 5);
        assertThat(after.value("journal_appends_total")).isGreaterThanOrEqualTo(before.value("journal_appends_total") + 5);
        assertThat(after.value("sink_inserted_rows_total")).isGreaterThanOrEqualTo(before.value("sink_inserted_rows_total") + 5);
        assertThat(after.value("sink_insert_latency_count")).isGreaterThan(before.value("sink_insert_latency_count"));
        assertThat(after.value("journal_fsyncs", Map.of("quantile", "0.99"))).isPositive();
        assertThat(after.value("sink_insert_failures_total")).isZero();
        assertThat(after.value("journal_unconfirmed_bytes")).isNotNegative();
    }

    @Test
    void refusedRequestsAreCountedByReason()
            throws Exception
    {
        TestingLedger ledger = LEDGER.ledger();
        WebhookClient client = ledger.client();
        assertThat(client.post("/twilio/status", StatusCallbacks.callback(FIRST_ACCOUNT, StatusCallbacks.messageSid(), "exploded"), FIRST_TOKEN, Optional.empty()).statusCode()).isEqualTo(400);
        assertThat(client.post("/twilio/status", StatusCallbacks.callback(FIRST_ACCOUNT, StatusCallbacks.messageSid(), "sent"), "not-the-token", Optional.empty()).statusCode()).isEqualTo(403);

        PrometheusScrape scrape = PrometheusScrape.of(ledger.adminUrl());

        assertThat(scrape.value("intake_rejected_total", Map.of("reason", "unknown_status"))).isGreaterThanOrEqualTo(1);
        assertThat(scrape.value("intake_forbidden_total", Map.of("reason", "invalid"))).isGreaterThanOrEqualTo(1);
        assertThat(scrape.types()).containsEntry("intake_rejected_total", "counter");
        assertThat(scrape.names()).noneMatch(name -> name.startsWith("intake_rejected_unknown"));
    }

    /** The mapping docs/deployment.md ("Prometheus") documents: dots and dashes to underscores, per-reason meters to one name. */
    private static String prometheusName(String dropwizardName)
    {
        Matcher perReason = PER_REASON.matcher(dropwizardName);
        String name = perReason.matches() ? perReason.group(1) : dropwizardName;
        return name.replaceAll("[^a-zA-Z0-9_:]", "_");
    }

    private static void forEachName(JsonNode section, Consumer<String> action)
    {
        section.fieldNames().forEachRemaining(action);
    }

    private static String send(WebhookClient client, String sid, String status, String token)
            throws Exception
    {
        assertThat(client.post("/twilio/status", StatusCallbacks.callback(FIRST_ACCOUNT, sid, status), token, Optional.empty()).statusCode()).isEqualTo(200);
        return sid;
    }

    private static HttpResponse<String> get(String url)
            throws Exception
    {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
