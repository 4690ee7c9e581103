package io.deliveryledger.sink;

import io.deliveryledger.testing.StatusCallbacks;
import io.deliveryledger.testing.TestingClickHouseEngine;
import io.deliveryledger.testing.TestingLedger;
import io.deliveryledger.testing.WebhookClient;
import io.dropwizard.testing.ConfigOverride;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static io.deliveryledger.testing.TestingLedger.FIRST_ACCOUNT;
import static io.deliveryledger.testing.TestingLedger.FIRST_TOKEN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** ClickHouse going away must never turn into an error for Twilio, nor lose or double a callback. */
final class ClickHouseOutageIntegrationTest
{
    @TempDir
    Path directory;

    private TestingClickHouseEngine engine;
    private TestingLedger ledger;

    @BeforeEach
    void startEngine()
    {
        engine = new TestingClickHouseEngine(directory.resolve("clickhouse"));
        engine.start();
    }

    @AfterEach
    void stopAll()
    {
        if (ledger != null) {
            ledger.close();
        }
        engine.close();
    }

    @Test
    void callbacksArrivingWhileClickHouseIsDownAreAllStoredOnceItIsBack()
            throws Exception
    {
        ledger = new TestingLedger(engine, directory.resolve("journal")).start();
        WebhookClient client = ledger.client();
        // Schema in place first, so that the outage hits inserts rather than start-up.
        ledger.awaitStored(send(client, StatusCallbacks.messageSid()));
        engine.stop();

        List<String> sids = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            sids.add(StatusCallbacks.messageSid());
        }
        Map<String, Integer> answers = sendConcurrently(client, sids);
        assertThat(answers).hasSize(2000);
        assertThat(answers.values()).as("answers while ClickHouse is down").containsOnly(200);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            HttpResponse<String> health = get(ledger.adminUrl() + "/healthcheck");
            assertThat(health.statusCode()).isEqualTo(500);
            assertThat(health.body()).contains("\"clickhouse\":{\"healthy\":false").contains("wait for ClickHouse; insert journal positions");
        });

        engine.start();
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                .until(() -> ledger.count("SELECT count() FROM status_events", Map.of()) >= 2001);
        // One more callback after the backlog: once it is stored, any duplicate insert of the backlog would be too.
        ledger.awaitStored(send(client, StatusCallbacks.messageSid()));
        assertThat(ledger.count("SELECT count() FROM status_events WHERE message_sid IN (<sids>)", Map.of("sids", sids))).isEqualTo(2000);
        assertThat(ledger.count("SELECT uniqExact(message_sid) FROM status_events WHERE message_sid IN (<sids>)", Map.of("sids", sids))).isEqualTo(2000);
        assertThat(ledger.count("SELECT count() FROM message_status WHERE message_sid IN (<sids>) AND status = 'delivered'", Map.of("sids", sids))).isEqualTo(2000);
        assertThat(ledger.count("SELECT count() FROM status_events", Map.of())).isEqualTo(2002);
    }

    @Test
    void aFullJournalAnswers503WithRetryAfterAndRecoversOnceClickHouseDrainsIt()
            throws Exception
    {
        ledger = new TestingLedger(engine, directory.resolve("journal"),
                ConfigOverride.config("journal.segmentSize", "16KiB"),
                ConfigOverride.config("journal.maxSize", "64KiB")).start();
        WebhookClient client = ledger.client();
        ledger.awaitStored(send(client, StatusCallbacks.messageSid()));
        engine.stop();

        List<String> accepted = new ArrayList<>();
        HttpResponse<String> refused = null;
        for (int i = 0; i < 5000 && refused == null; i++) {
            String sid = StatusCallbacks.messageSid();
            HttpResponse<String> response = client.post("/twilio/status", StatusCallbacks.callback(FIRST_ACCOUNT, sid, "sent"), FIRST_TOKEN, Optional.empty());
            if (response.statusCode() == 200) {
                accepted.add(sid);
            }
            else {
                refused = response;
            }
        }
        assertThat(refused).as("a 503 before 5000 callbacks fill 64 KiB").isNotNull();
        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(refused.headers().firstValue("Retry-After")).hasValue("7");
        assertThat(refused.body()).contains("Journal is full");
        assertThat(accepted).hasSizeBetween(20, 200);

        engine.start();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                .until(() -> ledger.count("SELECT count() FROM status_events WHERE message_sid IN (<sids>)", Map.of("sids", accepted)) == accepted.size());
        String afterRecovery = StatusCallbacks.messageSid();
        assertThat(client.post("/twilio/status", StatusCallbacks.callback(FIRST_ACCOUNT, afterRecovery, "sent"), FIRST_TOKEN, Optional.empty()).statusCode()).isEqualTo(200);
        ledger.awaitStored(afterRecovery);
        assertThat(ledger.count("SELECT count() FROM message_status WHERE message_sid IN (<sids>)", Map.of("sids", accepted))).isEqualTo(accepted.size());
    }

    private static HttpResponse<String> get(String url)
            throws Exception
    {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String send(WebhookClient client, String sid)
            throws Exception
    {
        assertThat(client.post("/twilio/status", StatusCallbacks.callback(FIRST_ACCOUNT, sid, "sent"), FIRST_TOKEN, Optional.empty()).statusCode()).isEqualTo(200);
        return sid;
    }

    private static Map<String, Integer> sendConcurrently(WebhookClient client, List<String> sids)
            throws Exception
    {
        Map<String, Integer> answers = new ConcurrentHashMap<>();
        ExecutorService executor = Executors.newFixedThreadPool(16);
        try {
            List<Future<?>> sent = new ArrayList<>();
            for (String sid : sids) {
                sent.add(executor.submit(() -> {
                    answers.put(sid, client.post("/twilio/status", StatusCallbacks.callback(FIRST_ACCOUNT, sid, "delivered"), FIRST_TOKEN, Optional.empty()).statusCode());
                    return null;
                }));
            }
            for (Future<?> future : sent) {
                future.get();
            }
        }
        finally {
            executor.shutdownNow();
        }
        return answers;
    }
}
