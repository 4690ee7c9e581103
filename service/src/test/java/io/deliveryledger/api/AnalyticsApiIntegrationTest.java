package io.deliveryledger.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.deliveryledger.testing.DeliveryScenario;
import io.deliveryledger.testing.DeliveryScenario.Callback;
import io.deliveryledger.testing.DeliveryScenario.Message;
import io.deliveryledger.testing.HeadlessChromium;
import io.deliveryledger.testing.TestingLedger;
import io.deliveryledger.testing.TestingLedgerExtension;
import io.deliveryledger.testing.WebhookClient;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.StringReader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The analytics API and reports over a known, generated set of signed callbacks sent through the running
 * service: every number is computed here from the generated messages, independently of the service's SQL.
 */
final class AnalyticsApiIntegrationTest
{
    private static final String TOKEN = "second-api-token";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final List<String> PENDING = List.of("accepted", "scheduled", "queued", "sending", "receiving", "sent");

    @RegisterExtension
    static final TestingLedgerExtension LEDGER = new TestingLedgerExtension();

    @TempDir
    static Path directory;

    private static TestingLedger ledger;
    private static DeliveryScenario scenario;
    private static String range;

    @BeforeAll
    static void start()
            throws Exception
    {
        ledger = LEDGER.ledger();
        Instant started = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        scenario = DeliveryScenario.generate(20261127, 150, started);
        WebhookClient client = ledger.client();
        // Several at once, as Twilio sends them; the order is shuffled anyway.
        ExecutorService senders = Executors.newFixedThreadPool(8);
        try {
            List<Future<Integer>> answers = new ArrayList<>();
            for (Callback callback : scenario.callbacks()) {
                answers.add(senders.submit(() -> client.post(callback.path(), callback.parameters(), callback.message().authToken(), Optional.empty()).statusCode()));
            }
            for (Future<Integer> answer : answers) {
                assertThat(answer.get()).isEqualTo(200);
            }
        }
        finally {
            senders.shutdownNow();
        }
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                .until(() -> ledger.count("SELECT count() FROM status_events", Map.of()) == scenario.distinctCallbacks());
        ledger.awaitReadModel();
        range = "from=" + encode(started.minusSeconds(60).toString()) + "&to=" + encode(Instant.now().plusSeconds(3600).toString());
    }

    @Test
    void summaryCountsMessagesByCurrentStatus()
            throws Exception
    {
        JsonNode summary = api("/api/v1/stats/summary?" + range);

        assertCounts(summary, scenario.messages());
        Map<Integer, Long> errors = scenario.messages().stream()
                .filter(message -> message.errorCode().isPresent())
                .collect(Collectors.groupingBy(message -> message.errorCode().getAsInt(), Collectors.counting()));
        List<Map.Entry<Integer, Long>> expectedTop = errors.entrySet().stream()
                .sorted(Map.Entry.<Integer, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .limit(10)
                .toList();
        assertThat(summary.get("topErrorCodes")).hasSize(expectedTop.size());
        for (int index = 0; index < expectedTop.size(); index++) {
            JsonNode row = summary.get("topErrorCodes").get(index);
            assertThat(row.get("errorCode").asInt()).isEqualTo(expectedTop.get(index).getKey());
            assertThat(row.get("messages").asLong()).isEqualTo(expectedTop.get(index).getValue());
        }
        JsonNode unreachable = find(summary.get("topErrorCodes"), row -> row.get("errorCode").asInt() == 30003);
        assertThat(unreachable.get("description").asText()).isEqualTo("Unreachable destination handset");
    }

    @Test
    void everyFilterNarrowsTheMessages()
            throws Exception
    {
        assertCounts(api("/api/v1/stats/summary?" + range + "&accountSid=" + TestingLedger.SECOND_ACCOUNT),
                matching(message -> message.accountSid().equals(TestingLedger.SECOND_ACCOUNT)));
        assertCounts(api("/api/v1/stats/summary?" + range + "&messagingServiceSid=" + DeliveryScenario.FIRST_SERVICE),
                matching(message -> message.messagingServiceSid().equals(Optional.of(DeliveryScenario.FIRST_SERVICE))));
        assertCounts(api("/api/v1/stats/summary?" + range + "&country=GB"), matching(message -> message.country().equals("GB")));
        assertCounts(api("/api/v1/stats/summary?" + range + "&channel=whatsapp"), matching(message -> message.channel().equals("whatsapp")));
        assertCounts(api("/api/v1/stats/summary?" + range + "&tag=" + encode("campaign:spring") + "&country=DE&channel=sms"),
                matching(message -> message.campaign().equals("spring") && message.country().equals("DE") && message.channel().equals("sms")));
        assertCounts(api("/api/v1/stats/summary?from=2020-01-01&to=2020-01-02"), List.of());
    }

    @Test
    void perMinuteRollupsCountEveryStoredEventOnce()
    {
        List<Map<String, String>> distinct = scenario.callbacks().stream().map(Callback::parameters).distinct().toList();
        assertThat(ledger.count("SELECT sum(events) FROM events_per_minute", Map.of())).isEqualTo(distinct.size());
        for (String country : List.of("GB", "DE", "FR", "US", "BR")) {
            Map<String, Message> bySid = scenario.messages().stream().collect(Collectors.toMap(Message::sid, Function.identity()));
            long expected = distinct.stream().filter(parameters -> bySid.get(parameters.get("MessageSid")).country().equals(country)).count();
            assertThat(ledger.count("SELECT sum(events) FROM events_per_minute WHERE country = :country", Map.of("country", country))).as(country).isEqualTo(expected);
        }
        assertThat(ledger.count("SELECT sum(events) FROM events_per_minute WHERE error_code = 30003", Map.of()))
                .isEqualTo(distinct.stream().filter(parameters -> "30003".equals(parameters.get("ErrorCode"))).count());
        // Every message was queued once, however often its queued callback arrived.
        assertThat(ledger.count("SELECT uniqMerge(messages) FROM events_per_minute WHERE status = 'queued'", Map.of())).isEqualTo(scenario.messages().size());
        assertThat(ledger.count("SELECT uniqMerge(messages) FROM events_per_minute WHERE channel = 'whatsapp'", Map.of()))
                .isEqualTo(matching(message -> message.channel().equals("whatsapp")).size());
    }

    @Test
    void timeSeriesSplitsTheSameCountsIntoSteps()
            throws Exception
    {
        JsonNode series = api("/api/v1/stats/timeseries?" + range + "&step=PT1M");

        assertThat(series.get("step").asText()).isEqualTo("PT1M");
        // 61+ minutes from a whole second: one point per started minute.
        assertThat(series.get("points").size()).isBetween(61, 63);
        Map<String, Long> total = new TreeMap<>();
        for (JsonNode point : series.get("points")) {
            point.get("byStatus").fields().forEachRemaining(entry -> total.merge(entry.getKey(), entry.getValue().asLong(), Long::sum));
        }
        assertThat(total).isEqualTo(byStatus(scenario.messages()));

        JsonNode chosen = api("/api/v1/stats/timeseries?from=2026-11-01&to=2026-11-08");
        assertThat(chosen.get("step").asText()).isEqualTo("PT1H");
        assertThat(chosen.get("points").size()).isEqualTo(168);
    }

    @Test
    void breakdownsGroupByEachDimension()
            throws Exception
    {
        assertBreakdown("error_code", message -> message.errorCode().isPresent() ? String.valueOf(message.errorCode().getAsInt()) : "");
        assertBreakdown("country", Message::country);
        assertBreakdown("channel", Message::channel);
        assertBreakdown("messaging_service", message -> message.messagingServiceSid().orElse(""));
        assertBreakdown("from", Message::from);
        assertBreakdown("tag:campaign", Message::campaign);

        JsonNode errors = api("/api/v1/stats/breakdown?" + range + "&by=error_code");
        assertThat(find(errors.get("rows"), row -> row.get("key").asText().equals("30003")).get("description").asText()).isEqualTo("Unreachable destination handset");
        assertThat(api("/api/v1/stats/breakdown?" + range + "&by=country&limit=2").get("rows")).hasSize(2);
    }

    @Test
    void latencyPercentilesComeFromEventTimesAndCarrierDates()
            throws Exception
    {
        // Expected from the raw events: earliest queued, sent and delivered (carrier date where present) per message.
        Map<String, Map<String, Instant>> times = new HashMap<>();
        DateTimeFormatter dlrDate = DateTimeFormatter.ofPattern("yyMMddHHmm");
        try (java.sql.Connection connection = DriverManager.getConnection(ledger.jdbcUrl());
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT message_sid, status, toUnixTimestamp64Milli(event_time), parameters['RawDlrDoneDate'] FROM status_events")) {
            while (rows.next()) {
                Instant time = Instant.ofEpochMilli(rows.getLong(3));
                if (rows.getString(2).equals("delivered") && !rows.getString(4).isEmpty()) {
                    time = LocalDateTime.parse(rows.getString(4), dlrDate).toInstant(ZoneOffset.UTC);
                }
                times.computeIfAbsent(rows.getString(1), sid -> new HashMap<>()).merge(rows.getString(2), time, (first, second) -> first.isBefore(second) ? first : second);
            }
        }
        List<Long> queuedToSent = new ArrayList<>();
        List<Long> sentToDelivered = new ArrayList<>();
        for (Map<String, Instant> message : times.values()) {
            if (message.containsKey("queued") && message.containsKey("sent")) {
                queuedToSent.add(Math.max(0, Duration.between(message.get("queued"), message.get("sent")).toMillis()));
            }
            if (message.containsKey("sent") && message.containsKey("delivered")) {
                sentToDelivered.add(Math.max(0, Duration.between(message.get("sent"), message.get("delivered")).toMillis()));
            }
        }

        JsonNode latency = api("/api/v1/stats/latency?" + range);

        assertPercentiles(latency.get("queuedToSent"), queuedToSent);
        assertPercentiles(latency.get("sentToDelivered"), sentToDelivered);
        assertThat(latency.get("sentToDelivered").get("messages").asLong())
                .isEqualTo(scenario.messages().stream().filter(message -> List.of("delivered", "read").contains(message.finalStatus())).count());
        // Carrier dates lie 1 to 30 minutes after the test started, so the median is minutes, not milliseconds.
        assertThat(latency.get("sentToDelivered").get("p50Millis").asLong()).isGreaterThan(0);
    }

    @Test
    void messageLookupShowsStateAndTimeline()
            throws Exception
    {
        Message message = scenario.messages().stream().filter(candidate -> candidate.finalStatus().equals("undelivered")).findFirst().orElseThrow();
        List<Map<String, String>> sent = scenario.callbacks().stream()
                .filter(callback -> callback.message().equals(message))
                .map(Callback::parameters)
                .distinct()
                .toList();

        JsonNode found = api("/api/v1/messages/" + message.sid());

        assertThat(found.get("messageSid").asText()).isEqualTo(message.sid());
        assertThat(found.get("status").asText()).isEqualTo("undelivered");
        assertThat(found.get("errorCode").asInt()).isEqualTo(message.errorCode().getAsInt());
        assertThat(found.get("errorDescription").isTextual()).as("errorDescription of %s", found).isTrue();
        assertThat(found.get("errorDescription").asText()).isNotBlank();
        assertThat(found.get("country").asText()).isEqualTo(message.country());
        assertThat(found.get("channel").asText()).isEqualTo(message.channel());
        assertThat(found.get("tags").get("campaign").asText()).isEqualTo(message.campaign());
        assertThat(found.get("eventCount").asLong()).isEqualTo(sent.size());
        List<String> statuses = new ArrayList<>();
        found.get("events").forEach(event -> statuses.add(event.get("status").asText()));
        assertThat(statuses).containsExactlyInAnyOrderElementsOf(sent.stream().map(parameters -> parameters.get("MessageStatus")).toList());
        assertThat(found.get("events").get(0).get("parameters").get("MessageSid").asText()).isEqualTo(message.sid());
        found.get("events").forEach(event -> {
            if (event.get("status").asText().equals("undelivered")) {
                assertThat(event.get("errorDescription")).isEqualTo(found.get("errorDescription"));
            }
        });

        Message delivered = scenario.messages().stream().filter(candidate -> candidate.finalStatus().equals("delivered")).findFirst().orElseThrow();
        JsonNode withoutError = api("/api/v1/messages/" + delivered.sid());
        assertThat(withoutError.get("status").asText()).isEqualTo("delivered");
        assertThat(withoutError.has("errorCode") && !withoutError.get("errorCode").isNull()).isFalse();
        assertThat(withoutError.has("errorDescription") && !withoutError.get("errorDescription").isNull()).isFalse();

        assertThat(get("/api/v1/messages/SM" + "0".repeat(32), Optional.of("Bearer " + TOKEN)).statusCode()).isEqualTo(404);
        assertBadRequest("/api/v1/messages/SM123", "sid");
    }

    @Test
    void everyApiRequestNeedsAValidBearerToken()
            throws Exception
    {
        for (String path : List.of("/api/v1/stats/summary", "/api/v1/stats/timeseries", "/api/v1/stats/breakdown?by=country", "/api/v1/stats/latency",
                "/api/v1/messages/" + scenario.messages().get(0).sid(), "/api/v1/reports/delivery?format=csv")) {
            for (Optional<String> authorization : List.of(Optional.<String>empty(), Optional.of("Bearer wrong-token"), Optional.of("Bearer "),
                    Optional.of("Basic Zmlyc3QtYXBpLXRva2VuOg=="), Optional.of("Bearer first-api-token-and-more"))) {
                HttpResponse<String> response = get(path, authorization);
                assertThat(response.statusCode()).as("%s with %s", path, authorization).isEqualTo(401);
                assertThat(response.body()).doesNotContain("byStatus");
            }
            assertThat(get(path, Optional.of("Bearer first-api-token")).statusCode()).as(path).isEqualTo(200);
        }
    }

    @Test
    void malformedParametersAreRejectedByName()
            throws Exception
    {
        assertBadRequest("/api/v1/stats/summary?from=yesterday", "from");
        assertBadRequest("/api/v1/stats/summary?from=2026-11-02&to=2026-11-01", "from");
        assertBadRequest("/api/v1/stats/summary?accountSid=AC123", "accountSid");
        assertBadRequest("/api/v1/stats/summary?messagingServiceSid=" + TestingLedger.FIRST_ACCOUNT, "messagingServiceSid");
        assertBadRequest("/api/v1/stats/summary?country=gb", "country");
        assertBadRequest("/api/v1/stats/summary?channel=SMS", "channel");
        assertBadRequest("/api/v1/stats/summary?tag=campaign", "tag");
        assertBadRequest("/api/v1/stats/summary?country=GB&country=DE", "country");
        assertBadRequest("/api/v1/stats/summary?contry=GB", "contry");
        assertBadRequest("/api/v1/stats/timeseries?step=hourly", "step");
        assertBadRequest("/api/v1/stats/timeseries?step=PT1S", "step");
        assertBadRequest("/api/v1/stats/timeseries?from=2020-01-01&to=2026-01-01&step=PT1M", "step");
        assertBadRequest("/api/v1/stats/breakdown", "by");
        assertBadRequest("/api/v1/stats/breakdown?by=carrier", "by");
        assertBadRequest("/api/v1/stats/breakdown?by=country&limit=0", "limit");
        assertBadRequest("/api/v1/reports/delivery?format=xlsx", "format");
        assertBadRequest("/api/v1/reports/delivery?groupBy=day,carrier", "groupBy");
        assertBadRequest("/api/v1/reports/delivery?groupBy=day,day", "groupBy");
    }

    @Test
    void injectionStringsAreRefusedOrMatchNothing()
            throws Exception
    {
        String injection = "GB' OR '1'='1";
        assertBadRequest("/api/v1/stats/summary?country=" + encode(injection), "country");
        assertBadRequest("/api/v1/stats/summary?channel=" + encode("sms) OR (1=1"), "channel");
        assertBadRequest("/api/v1/stats/breakdown?by=" + encode("country; DROP TABLE status_events"), "by");
        assertBadRequest("/api/v1/stats/breakdown?by=" + encode("tag:campaign'] OR 1=1 --"), "by");
        assertBadRequest("/api/v1/reports/delivery?groupBy=" + encode("status, (SELECT 1)"), "groupBy");
        assertBadRequest("/api/v1/stats/summary?accountSid=" + encode(TestingLedger.FIRST_ACCOUNT + "' OR 1=1 --"), "accountSid");
        // A tag value may be anything: bound as a parameter, it is compared as the text it is.
        assertCounts(api("/api/v1/stats/summary?" + range + "&tag=" + encode("campaign:spring' OR '1'='1")), List.of());
        assertCounts(api("/api/v1/stats/summary?" + range + "&tag=" + encode("campaign:{p0:String}")), List.of());
        assertThat(ledger.count("SELECT count() FROM status_events", Map.of())).isEqualTo(scenario.distinctCallbacks());
    }

    @Test
    void csvReportGroupsAndParses()
            throws Exception
    {
        HttpResponse<String> response = get("/api/v1/reports/delivery?" + range + "&groupBy=status,country&format=csv", Optional.of("Bearer " + TOKEN));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/csv");
        assertThat(response.headers().firstValue("Content-Disposition").orElseThrow()).matches("attachment; filename=\"delivery-report-\\d{8}T\\d{6}Z-\\d{8}T\\d{6}Z\\.csv\"");
        Map<String, Long> actual = new TreeMap<>();
        List<CSVRecord> records = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get().parse(new StringReader(response.body())).getRecords();
        for (CSVRecord record : records) {
            actual.put(record.get("status") + "/" + record.get("country"), Long.parseLong(record.get("messages")));
            assertThat(Long.parseLong(record.get("pending"))).isEqualTo(PENDING.contains(record.get("status")) ? Long.parseLong(record.get("messages")) : 0);
        }
        assertThat(actual).isEqualTo(scenario.messages().stream().collect(Collectors.groupingBy(message -> message.finalStatus() + "/" + message.country(), TreeMap::new, Collectors.counting())));
    }

    @Test
    void jsonReportHasOneLinePerMessage()
            throws Exception
    {
        HttpResponse<String> response = get("/api/v1/reports/delivery?" + range + "&format=json&channel=whatsapp", Optional.of("Bearer " + TOKEN));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Disposition").orElseThrow()).endsWith(".jsonl\"");
        Map<String, String> statuses = new TreeMap<>();
        for (String line : response.body().split("\n")) {
            JsonNode row = JSON.readTree(line);
            statuses.put(row.get("message_sid").asText(), row.get("status").asText());
            assertThat(row.get("channel").asText()).isEqualTo("whatsapp");
        }
        assertThat(statuses).isEqualTo(matching(message -> message.channel().equals("whatsapp")).stream()
                .collect(Collectors.toMap(Message::sid, Message::finalStatus, (first, second) -> first, TreeMap::new)));
    }

    @Test
    void parquetReportReadsBackWithDuckDb()
            throws Exception
    {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + ledger.port() + "/api/v1/reports/delivery?" + range + "&groupBy=day,channel&format=parquet"))
                .header("Authorization", "Bearer " + TOKEN)
                .build();
        Path file = directory.resolve("report.parquet");
        HttpResponse<Path> response = HTTP.send(request, HttpResponse.BodyHandlers.ofFile(file));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Disposition").orElseThrow()).endsWith(".parquet\"");
        Map<String, Long> actual = new TreeMap<>();
        try (java.sql.Connection duckdb = DriverManager.getConnection("jdbc:duckdb:");
                Statement statement = duckdb.createStatement();
                ResultSet rows = statement.executeQuery("SELECT channel, sum(messages), sum(delivered), sum(failed) FROM read_parquet('" + file + "') GROUP BY channel")) {
            while (rows.next()) {
                actual.put(rows.getString(1), rows.getLong(2));
                String channel = rows.getString(1);
                assertThat(rows.getLong(3)).isEqualTo(matching(message -> message.channel().equals(channel) && List.of("delivered", "read").contains(message.finalStatus())).size());
                assertThat(rows.getLong(4)).isEqualTo(matching(message -> message.channel().equals(channel) && List.of("failed", "undelivered").contains(message.finalStatus())).size());
            }
        }
        assertThat(actual).isEqualTo(scenario.messages().stream().collect(Collectors.groupingBy(Message::channel, TreeMap::new, Collectors.counting())));
    }

    @Test
    void htmlReportRendersInHeadlessChromium()
            throws Exception
    {
        HttpResponse<String> response = get("/api/v1/reports/delivery?" + range + "&format=html", Optional.of("Bearer " + TOKEN));

        assertThat(response.statusCode()).isEqualTo(200);
        String html = response.body();
        assertThat(html).doesNotContain("<script").doesNotContain("http://").doesNotContain("https://").contains("<svg");
        Path file = Files.writeString(directory.resolve("report.html"), html);
        HeadlessChromium chromium = HeadlessChromium.find();
        String dom = chromium.dumpDom(file);
        JsonNode series = api("/api/v1/stats/timeseries?" + range);
        int points = series.get("points").size();
        assertThat(count(dom, "class=\"volume-point\"")).isEqualTo(points);
        assertThat(count(dom, "class=\"failure-point\"")).isEqualTo(points);
        assertThat(count(dom, "class=\"country-bar\"")).isEqualTo(5);
        assertThat(dom).contains("Delivery rate").contains("Unreachable destination handset");
        Path screenshot = chromium.screenshot(file, "delivery-report.png");
        assertThat(Files.size(screenshot)).isGreaterThan(10_000);
    }

    private static void assertBreakdown(String by, Function<Message, String> key)
            throws Exception
    {
        JsonNode breakdown = api("/api/v1/stats/breakdown?" + range + "&by=" + encode(by));
        Map<String, Map<String, Long>> actual = new TreeMap<>();
        for (JsonNode row : breakdown.get("rows")) {
            actual.put(row.get("key").asText(), statusMap(row.get("byStatus")));
        }
        Map<String, Map<String, Long>> expected = scenario.messages().stream()
                .collect(Collectors.groupingBy(key, TreeMap::new, Collectors.collectingAndThen(Collectors.toList(), AnalyticsApiIntegrationTest::byStatus)));
        assertThat(actual).as(by).isEqualTo(expected);
        List<Long> sizes = new ArrayList<>();
        breakdown.get("rows").forEach(row -> sizes.add(row.get("messages").asLong()));
        assertThat(sizes).as("largest first").isSortedAccordingTo(Comparator.reverseOrder());
    }

    private static void assertPercentiles(JsonNode actual, List<Long> values)
    {
        // Two significant digits, rounded down: the read model's latency buckets.
        List<Long> sorted = values.stream().map(value -> {
            long unit = (long) Math.pow(10, Math.max(String.valueOf(value).length() - 2, 0));
            return value / unit * unit;
        }).sorted().toList();
        assertThat(actual.get("messages").asLong()).isEqualTo(sorted.size());
        assertThat(sorted).isNotEmpty();
        // Nearest rank: the ceil(level * n)-th smallest value.
        assertThat(actual.get("p50Millis").asLong()).isEqualTo(sorted.get((int) Math.ceil(0.5 * sorted.size()) - 1));
        assertThat(actual.get("p90Millis").asLong()).isEqualTo(sorted.get((int) Math.ceil(0.9 * sorted.size()) - 1));
        assertThat(actual.get("p99Millis").asLong()).isEqualTo(sorted.get((int) Math.ceil(0.99 * sorted.size()) - 1));
    }

    private static void assertCounts(JsonNode counts, List<Message> messages)
    {
        long delivered = messages.stream().filter(message -> List.of("delivered", "read").contains(message.finalStatus())).count();
        long failed = messages.stream().filter(message -> List.of("failed", "undelivered").contains(message.finalStatus())).count();
        long pending = messages.stream().filter(message -> PENDING.contains(message.finalStatus())).count();
        assertThat(statusMap(counts.get("byStatus"))).isEqualTo(byStatus(messages));
        assertThat(counts.get("messages").asLong()).isEqualTo(messages.size());
        assertThat(counts.get("delivered").asLong()).isEqualTo(delivered);
        assertThat(counts.get("failed").asLong()).isEqualTo(failed);
        assertThat(counts.get("pending").asLong()).isEqualTo(pending);
        // Shares of the messages with an outcome (delivered or failed).
        assertThat(counts.get("deliveryRate").asDouble()).isEqualTo(delivered + failed == 0 ? 0 : (double) delivered / (delivered + failed));
        assertThat(counts.get("failureRate").asDouble()).isEqualTo(delivered + failed == 0 ? 0 : (double) failed / (delivered + failed));
    }

    private static void assertBadRequest(String path, String parameter)
            throws Exception
    {
        HttpResponse<String> response = get(path, Optional.of("Bearer " + TOKEN));
        assertThat(response.statusCode()).as(path).isEqualTo(400);
        JsonNode error = JSON.readTree(response.body());
        assertThat(error.get("parameter").asText()).as(path).isEqualTo(parameter);
        assertThat(error.get("message").asText()).as(path).startsWith("Parameter '" + parameter + "' ");
    }

    private static Map<String, Long> byStatus(List<Message> messages)
    {
        return messages.stream().collect(Collectors.groupingBy(Message::finalStatus, TreeMap::new, Collectors.counting()));
    }

    private static Map<String, Long> statusMap(JsonNode node)
    {
        Map<String, Long> map = new TreeMap<>();
        node.fields().forEachRemaining(entry -> map.put(entry.getKey(), entry.getValue().asLong()));
        return map;
    }

    private static List<Message> matching(Predicate<Message> predicate)
    {
        return scenario.messages().stream().filter(predicate).toList();
    }

    private static JsonNode find(JsonNode array, Predicate<JsonNode> predicate)
    {
        for (JsonNode element : array) {
            if (predicate.test(element)) {
                return element;
            }
        }
        throw new AssertionError("No element matches in " + array);
    }

    private static int count(String text, String fragment)
    {
        int count = 0;
        for (int index = text.indexOf(fragment); index >= 0; index = text.indexOf(fragment, index + 1)) {
            count++;
        }
        return count;
    }

    private static JsonNode api(String path)
            throws Exception
    {
        HttpResponse<String> response = get(path, Optional.of("Bearer " + TOKEN));
        assertThat(response.statusCode()).as("%s: %s", path, response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private static HttpResponse<String> get(String path, Optional<String> authorization)
            throws Exception
    {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + ledger.port() + path)).timeout(Duration.ofSeconds(60));
        authorization.ifPresent(value -> request.header("Authorization", value));
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String encode(String value)
    {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
