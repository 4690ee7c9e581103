package io.deliveryledger.readmodel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.deliveryledger.testing.DeliveryScenario;
import io.deliveryledger.testing.DeliveryScenario.Callback;
import io.deliveryledger.testing.GeneratedTraffic;
import io.deliveryledger.testing.ReadModelCheck;
import io.deliveryledger.testing.TestingClickHouseEngine;
import io.deliveryledger.testing.TestingLedger;
import io.deliveryledger.testing.WebhookClient;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.StringReader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two service instances on one database, each with its own journal and applier, take the callbacks of
 * one traffic (shuffled, some twice, a Twilio retry reaching the other instance); then hours-late
 * reconciled events arrive for old messages. Every statistic and report of the API must equal an exact
 * recomputation from the per-message truth, message_status, before and after the late events.
 */
final class ReadModelExactnessIntegrationTest
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final DateTimeFormatter CLICKHOUSE_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS").withZone(ZoneOffset.UTC);

    @TempDir
    static Path directory;

    private static TestingClickHouseEngine engine;
    private static TestingLedger first;
    private static TestingLedger second;
    private static Jdbi database;
    private static Instant from;
    private static Instant to;

    @BeforeAll
    static void start()
            throws Exception
    {
        engine = new TestingClickHouseEngine(directory.resolve("clickhouse"));
        engine.start();
        String shared = TestingLedger.newDatabaseName();
        first = new TestingLedger(engine, directory.resolve("journal-first"), shared).start();
        second = new TestingLedger(engine, directory.resolve("journal-second"), shared).start();
        database = first.clickhouse();

        Instant started = Instant.now().truncatedTo(ChronoUnit.MINUTES);
        DeliveryScenario scenario = DeliveryScenario.generate(20261201, 400, started);
        Random random = new Random(7);
        WebhookClient one = first.client();
        WebhookClient other = second.client();
        ExecutorService senders = Executors.newFixedThreadPool(8);
        try {
            List<Future<Integer>> answers = new ArrayList<>();
            for (Callback callback : scenario.callbacks()) {
                boolean both = random.nextInt(10) == 0;
                WebhookClient target = random.nextBoolean() ? one : other;
                answers.add(senders.submit(() -> target.post(callback.path(), callback.parameters(), callback.message().authToken(), Optional.empty()).statusCode()));
                if (both) {
                    WebhookClient retry = target == one ? other : one;
                    answers.add(senders.submit(() -> retry.post(callback.path(), callback.parameters(), callback.message().authToken(), Optional.empty()).statusCode()));
                }
            }
            for (Future<Integer> answer : answers) {
                assertThat(answer.get()).isEqualTo(200);
            }
        }
        finally {
            senders.shutdownNow();
        }
        first.awaitStored(scenario.messages().get(scenario.messages().size() - 1).sid());
        second.awaitStored(scenario.messages().get(0).sid());
        from = started.minus(Duration.ofHours(12));
        to = Instant.now().truncatedTo(ChronoUnit.MINUTES).plus(Duration.ofMinutes(2));
    }

    @AfterAll
    static void stop()
    {
        first.close();
        second.close();
        engine.close();
    }

    @Test
    void everyStatisticEqualsTheExactRecomputationBeforeAndAfterLateEvents()
            throws Exception
    {
        awaitBothAppliers();
        assertEverythingExact();

        // Hours later, reconciliation (bulk-imported, as any writer may) tells more about old messages:
        // receipts for those left at sent, and queued events hours earlier that move their first-seen minute.
        List<Map<String, Object>> late = new ArrayList<>();
        long eventId = 1;
        for (Map<String, Object> message : database.withHandle(handle -> handle.createQuery(
                "SELECT message_sid, account_sid, messaging_service_sid, from_address, to_address, status, country, channel, tags FROM message_status ORDER BY message_sid LIMIT 200")
                .mapToMap().list())) {
            Map<String, Object> row = lateEvent(message);
            Instant at = Instant.now().minus(Duration.ofHours(5));
            boolean sent = message.get("status").equals("sent");
            late.add(GeneratedTraffic.withStatus(row, sent ? "delivered" : "queued", null, sent ? Instant.now() : at, "reconcile", eventId++));
        }
        Collections.shuffle(late, new Random(3));
        GeneratedTraffic.insert(engine, first.database(), "status_events", late);
        awaitBothAppliers();
        assertEverythingExact();
        assertThat(ReadModelCheck.differences(database)).allSatisfy((check, differences) -> assertThat(differences).as(check).isZero());
    }

    private static void awaitBothAppliers()
    {
        first.awaitReadModel();
        second.awaitReadModel();
    }

    private static void assertEverythingExact()
            throws Exception
    {
        String window = "from=" + encode(from.toString()) + "&to=" + encode(to.toString());
        String range = "first_event_at >= toDateTime64('%s', 3, 'UTC') AND first_event_at < toDateTime64('%s', 3, 'UTC')"
                .formatted(CLICKHOUSE_TIME.format(from), CLICKHOUSE_TIME.format(to));

        JsonNode summary = api("/api/v1/stats/summary?" + window);
        assertThat(byStatus(summary.get("byStatus"))).isEqualTo(exact("''", range).get(""));
        assertThat(summary.get("messages").asLong()).isEqualTo(count("SELECT count() FROM message_status WHERE " + range));

        // One tag: tag_counts; a tag and a country: the range's per-message rows.
        assertThat(byStatus(api("/api/v1/stats/summary?" + window + "&tag=campaign:spring").get("byStatus")))
                .isEqualTo(exact("''", range + " AND tags['campaign'] = 'spring'").get(""));
        assertThat(byStatus(api("/api/v1/stats/summary?" + window + "&tag=campaign:spring&country=GB").get("byStatus")))
                .isEqualTo(exact("''", range + " AND tags['campaign'] = 'spring' AND country = 'GB'").get(""));
        Map<String, Map<String, Long>> senders = new TreeMap<>();
        for (JsonNode row : api("/api/v1/stats/breakdown?" + window + "&by=from&accountSid=" + TestingLedger.SECOND_ACCOUNT).get("rows")) {
            senders.put(row.get("key").asText(), byStatus(row.get("byStatus")));
        }
        assertThat(senders).isEqualTo(exact("from_address", range + " AND account_sid = '" + TestingLedger.SECOND_ACCOUNT + "'"));

        for (String by : List.of("country", "error_code", "messaging_service", "from", "channel", "tag:campaign")) {
            Map<String, Map<String, Long>> actual = new TreeMap<>();
            for (JsonNode row : api("/api/v1/stats/breakdown?" + window + "&by=" + encode(by)).get("rows")) {
                actual.put(row.get("key").asText(), byStatus(row.get("byStatus")));
            }
            String key = switch (by) {
                case "error_code" -> "ifNull(toString(error_code), '')";
                case "messaging_service" -> "messaging_service_sid";
                case "from" -> "from_address";
                case "tag:campaign" -> "tags['campaign']";
                default -> by;
            };
            assertThat(actual).as(by).isEqualTo(exact(key, range));
        }

        Map<String, Map<String, Long>> points = new TreeMap<>();
        for (JsonNode point : api("/api/v1/stats/timeseries?" + window + "&step=PT1H").get("points")) {
            Map<String, Long> counts = byStatus(point.get("byStatus"));
            if (!counts.isEmpty()) {
                points.put(Instant.parse(point.get("time").asText()).toString(), counts);
            }
        }
        Map<String, Map<String, Long>> hourly = new TreeMap<>();
        exact("toString(toUnixTimestamp(toStartOfHour(first_event_at)))", range)
                .forEach((hour, counts) -> hourly.put(Instant.ofEpochSecond(Long.parseLong(hour)).toString(), counts));
        assertThat(points).isEqualTo(hourly);

        JsonNode latency = api("/api/v1/stats/latency?" + window).get("sentToDelivered");
        List<Long> percentiles = database.withHandle(handle -> handle.createQuery("""
                SELECT arrayJoin(quantilesExactWeighted(0.5, 0.9, 0.99)(%s, 1)) FROM
                (SELECT greatest(0, toUnixTimestamp64Milli(assumeNotNull(delivered_at)) - toUnixTimestamp64Milli(assumeNotNull(sent_at))) AS value
                 FROM message_status WHERE %s AND sent_at IS NOT NULL AND delivered_at IS NOT NULL)""".formatted(ReadModelCheck.latencyBucket("value"), range))
                .mapTo(Long.class).list());
        assertThat(List.of(latency.get("p50Millis").asLong(), latency.get("p90Millis").asLong(), latency.get("p99Millis").asLong())).isEqualTo(percentiles);
        assertThat(latency.get("messages").asLong()).isEqualTo(count("SELECT count() FROM message_status WHERE " + range + " AND sent_at IS NOT NULL AND delivered_at IS NOT NULL"));

        HttpResponse<String> report = get("/api/v1/reports/delivery?" + window + "&groupBy=country,status&format=csv");
        assertThat(report.statusCode()).isEqualTo(200);
        Map<String, Map<String, Long>> reported = new TreeMap<>();
        for (CSVRecord row : CSVFormat.DEFAULT.builder().setHeader().build().parse(new StringReader(report.body()))) {
            reported.computeIfAbsent(row.get("country"), country -> new TreeMap<>()).put(row.get("status"), Long.parseLong(row.get("messages")));
        }
        assertThat(reported).isEqualTo(exact("country", range));
        HttpResponse<String> messages = get("/api/v1/reports/delivery?" + window + "&format=csv");
        assertThat(messages.body().lines().count() - 1).isEqualTo(count("SELECT count() FROM message_status WHERE " + range));
    }

    /** Messages of the range by {@code key} (an expression over message_status; '' for all) and current status. */
    private static Map<String, Map<String, Long>> exact(String key, String range)
    {
        Map<String, Map<String, Long>> counts = new TreeMap<>();
        database.useHandle(handle -> handle.createQuery("SELECT %s AS key, toString(status) AS status, count() AS messages FROM message_status WHERE %s GROUP BY key, status"
                        .formatted(key, range))
                .map((row, context) -> new Object[] {row.getString("key"), row.getString("status"), row.getLong("messages")})
                .forEach(row -> counts.computeIfAbsent((String) row[0], ignored -> new TreeMap<>()).put((String) row[1], (Long) row[2])));
        return counts;
    }

    private static Map<String, Object> lateEvent(Map<String, Object> message)
    {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("event_id", "");
        row.put("received_at", CLICKHOUSE_TIME.format(Instant.now()));
        row.put("event_time", CLICKHOUSE_TIME.format(Instant.now()));
        row.put("source", "reconcile");
        row.put("direction", "outbound");
        row.put("account_sid", message.get("account_sid"));
        row.put("message_sid", message.get("message_sid"));
        row.put("messaging_service_sid", message.get("messaging_service_sid"));
        row.put("from_address", message.get("from_address"));
        row.put("to_address", message.get("to_address"));
        row.put("api_version", "2010-04-01");
        row.put("idempotency_token", "");
        row.put("journal_position", 0);
        row.put("tags", Map.of());
        row.put("country", message.get("country"));
        row.put("number_type", "mobile");
        row.put("channel", message.get("channel"));
        return row;
    }

    private static long count(String sql)
    {
        return database.withHandle(handle -> handle.createQuery(sql).mapTo(Long.class).one());
    }

    private static Map<String, Long> byStatus(JsonNode node)
    {
        Map<String, Long> counts = new TreeMap<>();
        node.fields().forEachRemaining(entry -> counts.put(entry.getKey(), entry.getValue().asLong()));
        return counts;
    }

    private static JsonNode api(String path)
            throws Exception
    {
        HttpResponse<String> response = get(path);
        assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private static HttpResponse<String> get(String path)
            throws Exception
    {
        // Both instances read the same read model: spread the questions over them.
        TestingLedger ledger = path.hashCode() % 2 == 0 ? first : second;
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + ledger.port() + path))
                .header("Authorization", "Bearer " + TestingLedger.API_TOKEN)
                .build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static String encode(String value)
    {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
