package io.deliveryledger.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.deliveryledger.api.OpenApiContract.Exchange;
import io.deliveryledger.testing.StatusCallbacks;
import io.deliveryledger.testing.TestingClickHouseEngine;
import io.deliveryledger.testing.TestingEngineExtension;
import io.deliveryledger.testing.TestingLedger;
import io.deliveryledger.testing.WebhookClient;
import io.dropwizard.testing.ConfigOverride;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static io.deliveryledger.testing.TestingLedger.API_TOKEN;
import static io.deliveryledger.testing.TestingLedger.FIRST_ACCOUNT;
import static io.deliveryledger.testing.TestingLedger.FIRST_TOKEN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Every operation of the committed OpenAPI document, called on the running service with its successes and
 * each documented error, and every answer checked against the document ({@link OpenApiContract}): an
 * undocumented status or media type, or a body its schema refuses, fails the test, and so does a documented
 * response no test met. The document itself must pass the OpenAPI 3.1 meta-schema (the official schemas,
 * kept under {@code src/test/resources/openapi/oas/3.1}) and be served byte for byte.
 *
 * <p>ClickHouse is stopped in the last tests (for the 500s and a full journal's 503); the final test
 * checks that every documented response was met, so run the class whole.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
final class OpenApiContractIntegrationTest
{
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final OpenApiContract CONTRACT = OpenApiContract.load();
    private static final String BEARER = "Bearer " + API_TOKEN;
    private static final List<String> STATISTICS = List.of("/api/v1/stats/summary", "/api/v1/stats/timeseries", "/api/v1/stats/breakdown?by=country", "/api/v1/stats/latency");

    @RegisterExtension
    static final TestingEngineExtension ENGINE = new TestingEngineExtension();

    @TempDir
    static Path directory;

    private static TestingLedger ledger;
    private static String range;
    private static String undelivered;
    private static String delivered;

    @BeforeAll
    static void start()
            throws Exception
    {
        // A small journal, so that registrations fill it quickly once ClickHouse is stopped.
        ledger = new TestingLedger(ENGINE.engine(), directory.resolve("journal"),
                ConfigOverride.config("journal.segmentSize", "16KiB"),
                ConfigOverride.config("journal.maxSize", "64KiB"),
                // One read at a time and one waiting, so that a ClickHouse that hangs shows the 503s of the limit.
                ConfigOverride.config("api.maxConcurrentRequests", "1"),
                ConfigOverride.config("api.maxQueuedRequests", "1")).start();
        undelivered = StatusCallbacks.messageSid();
        assertThat(exchange("POST", "/api/v1/messages", Optional.of(BEARER), Optional.of("application/json"), Optional.of(message("message-undelivered.json", undelivered).toString())).status())
                .isEqualTo(200);
        delivered = StatusCallbacks.messageSid();
        WebhookClient client = ledger.client();
        for (String status : List.of("queued", "sent", "delivered")) {
            assertThat(client.post("/twilio/status?campaign=spring", StatusCallbacks.callback(FIRST_ACCOUNT, delivered, status), FIRST_TOKEN, Optional.empty()).statusCode()).isEqualTo(200);
        }
        ledger.awaitStored(delivered);
        ledger.awaitStored(undelivered);
        ledger.awaitReadModel();
        range = "from=2026-11-01&to=" + encode(Instant.now().plus(1, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS).toString());
    }

    @AfterAll
    static void stop()
    {
        if (ledger != null) {
            ledger.close();
        }
    }

    @Test
    @Order(1)
    void theDocumentIsValidOpenApi31WithEveryReferenceResolved()
    {
        assertThat(CONTRACT.metaSchemaErrors()).isEmpty();
        assertThat(CONTRACT.unresolvedReferences()).isEmpty();
        assertThat(CONTRACT.operations()).contains("GET /api/v1/stats/summary", "POST /api/v1/messages", "GET /api/v1/reports/delivery", "GET /api/v1/openapi.json");
    }

    @Test
    @Order(1)
    void theServedDocumentIsTheCommittedFileAndNeedsNoToken()
            throws Exception
    {
        Exchange served = exchange("GET", "/api/v1/openapi.json", Optional.empty());

        assertThat(served.status()).isEqualTo(200);
        assertThat(served.headers().firstValue("Content-Type")).hasValue("application/json");
        Path committed = Path.of(System.getProperty(TestingClickHouseEngine.REPOSITORY_ROOT_PROPERTY, ".."), "service/src/main/resources/openapi.json");
        assertThat(served.body()).isEqualTo(Files.readAllBytes(committed)).isEqualTo(CONTRACT.bytes());
        assertThat(exchange("GET", "/api/v1/openapi.json", Optional.of("Bearer wrong-token")).status()).as("a wrong token does not matter either").isEqualTo(200);
    }

    @Test
    @Order(2)
    void statisticsAnswerAsDocumented()
            throws Exception
    {
        for (String path : STATISTICS) {
            String separator = path.contains("?") ? "&" : "?";
            assertThat(exchange("GET", path + separator + range, Optional.of(BEARER)).status()).as(path).isEqualTo(200);
            assertThat(exchange("GET", path + separator + range + "&country=US&channel=sms&tag=campaign:spring&accountSid=" + FIRST_ACCOUNT, Optional.of(BEARER)).status())
                    .as(path).isEqualTo(200);
            // Nothing in the range: empty lists, zero rates, no percentiles.
            assertThat(exchange("GET", path + separator + "from=2020-01-01&to=2020-01-02", Optional.of(BEARER)).status()).as(path).isEqualTo(200);
            assertThat(exchange("GET", path + separator + "country=gb", Optional.of(BEARER)).status()).as(path).isEqualTo(400);
            assertThat(exchange("GET", path + separator + "contry=GB", Optional.of(BEARER)).status()).as(path).isEqualTo(400);
            assertThat(exchange("GET", path + separator + "from=1960-01-01", Optional.of(BEARER)).status()).as(path).isEqualTo(400);
        }
        assertThat(exchange("GET", "/api/v1/stats/summary?" + range, Optional.of(BEARER)).bodyText()).contains("\"errorCode\":30003", "Unreachable destination handset");
        assertThat(exchange("GET", "/api/v1/stats/timeseries?" + range + "&step=PT1H", Optional.of(BEARER)).status()).isEqualTo(200);
        assertThat(exchange("GET", "/api/v1/stats/timeseries?step=PT1S", Optional.of(BEARER)).status()).isEqualTo(400);
        for (String by : List.of("error_code", "messaging_service", "from", "channel", "tag:campaign")) {
            assertThat(exchange("GET", "/api/v1/stats/breakdown?" + range + "&limit=5&by=" + by, Optional.of(BEARER)).status()).as(by).isEqualTo(200);
        }
        assertThat(exchange("GET", "/api/v1/stats/breakdown", Optional.of(BEARER)).status()).isEqualTo(400);
        assertThat(exchange("GET", "/api/v1/stats/breakdown?by=country&limit=0", Optional.of(BEARER)).status()).isEqualTo(400);
        assertThat(exchange("GET", "/api/v1/stats/latency?" + range, Optional.of(BEARER)).bodyText()).contains("\"sentToDelivered\":{\"messages\":1,");
    }

    @Test
    @Order(2)
    void messageLookupAnswersAsDocumented()
            throws Exception
    {
        assertThat(exchange("GET", "/api/v1/messages/" + undelivered, Optional.of(BEARER)).bodyText()).contains("\"errorCode\":30003");
        assertThat(exchange("GET", "/api/v1/messages/" + delivered, Optional.of(BEARER)).bodyText()).contains("\"campaign\":\"spring\"");
        assertThat(exchange("GET", "/api/v1/messages/SM" + "0".repeat(32), Optional.of(BEARER)).status()).isEqualTo(404);
        assertThat(exchange("GET", "/api/v1/messages/SM123", Optional.of(BEARER)).status()).isEqualTo(400);
    }

    @Test
    @Order(2)
    void registrationAnswersAsDocumented()
            throws Exception
    {
        ArrayNode two = MAPPER.createArrayNode()
                .add(message("message-created.json", StatusCallbacks.messageSid()))
                .add(message("message-undelivered.json", StatusCallbacks.messageSid()));
        assertThat(register(two.toString()).bodyText()).isEqualTo("{\"registered\":2}");
        assertThat(register(message("message-created.json", StatusCallbacks.messageSid()).toString()).status()).isEqualTo(200);

        assertThat(register(message("message-created.json", "SM42").toString()).status()).isEqualTo(400);
        assertThat(register("[]").status()).isEqualTo(400);
        assertThat(register("{\"sid\": ").status()).as("not JSON").isEqualTo(400);
        assertThat(exchange("POST", "/api/v1/messages", Optional.of(BEARER), Optional.of("text/plain"), Optional.of("SM0123")).status()).isEqualTo(415);
    }

    @Test
    @Order(2)
    void reportsAnswerAsDocumented()
            throws Exception
    {
        String report = "/api/v1/reports/delivery?" + range;
        Exchange messages = exchange("GET", report + "&format=json", Optional.of(BEARER));
        assertThat(messages.bodyText().lines()).anySatisfy(line -> assertThat(line).contains(delivered));
        Exchange groups = exchange("GET", report + "&format=json&groupBy=day,status,tag:campaign", Optional.of(BEARER));
        assertThat(groups.bodyText()).contains("\"no_receipt\"");
        assertThat(exchange("GET", report, Optional.of(BEARER)).bodyText()).startsWith("\"message_sid\"");
        assertThat(exchange("GET", report + "&format=csv&groupBy=country", Optional.of(BEARER)).status()).isEqualTo(200);
        Exchange parquet = exchange("GET", report + "&format=parquet&groupBy=channel", Optional.of(BEARER));
        assertThat(new String(parquet.body(), 0, 4, StandardCharsets.US_ASCII)).isEqualTo("PAR1");
        assertThat(exchange("GET", report + "&format=html", Optional.of(BEARER)).bodyText()).contains("<svg");

        assertThat(exchange("GET", report + "&format=xlsx", Optional.of(BEARER)).status()).isEqualTo(400);
        assertThat(exchange("GET", report + "&groupBy=day,day", Optional.of(BEARER)).status()).isEqualTo(400);
    }

    @Test
    @Order(2)
    void everyProtectedOperationRefusesRequestsWithoutAValidToken()
            throws Exception
    {
        List<String> paths = Stream.concat(STATISTICS.stream(), Stream.of("/api/v1/messages/" + delivered, "/api/v1/reports/delivery")).toList();
        for (Optional<String> authorization : List.of(Optional.<String>empty(), Optional.of("Bearer wrong-token"), Optional.of("Basic Zmlyc3QtYXBpLXRva2VuOg=="))) {
            for (String path : paths) {
                assertThat(exchange("GET", path, authorization).status()).as("%s with %s", path, authorization).isEqualTo(401);
            }
            assertThat(exchange("POST", "/api/v1/messages", authorization, Optional.of("application/json"), Optional.of(message("message-created.json", StatusCallbacks.messageSid()).toString())).status())
                    .isEqualTo(401);
        }
    }

    @Test
    @Order(2)
    void jsonOperationsRefuseAnAcceptHeaderWithoutJson()
            throws Exception
    {
        for (String path : Stream.concat(STATISTICS.stream(), Stream.of("/api/v1/messages/" + delivered)).toList()) {
            assertThat(send("GET", path, Optional.of(BEARER), Optional.empty(), Optional.empty(), Optional.of("text/csv")).status()).as(path).isEqualTo(406);
        }
        assertThat(send("POST", "/api/v1/messages", Optional.of(BEARER), Optional.of("application/json"), Optional.of(message("message-created.json", StatusCallbacks.messageSid()).toString()), Optional.of("text/csv")).status())
                .isEqualTo(406);
    }

    @Test
    @Order(3)
    void readsBeyondTheLimitAreRefusedAsDocumented()
            throws Exception
    {
        ENGINE.engine().pause();
        List<CompletableFuture<HttpResponse<String>>> held;
        try {
            // One read runs and hangs, one waits: the queue (api.maxQueuedRequests: 1) is full.
            held = List.of(hangingRead(), hangingRead());
            await().atMost(Duration.ofSeconds(30)).until(() -> queuedReads() == 1);
            for (String path : Stream.concat(STATISTICS.stream(), Stream.of("/api/v1/messages/" + delivered, "/api/v1/reports/delivery?format=csv&" + range)).toList()) {
                Exchange refused = exchange("GET", path, Optional.of(BEARER));
                assertThat(refused.status()).as(path).isEqualTo(503);
                assertThat(refused.headers().firstValue("Retry-After")).as(path).hasValue("1");
            }
        }
        finally {
            ENGINE.engine().resume();
        }
        for (CompletableFuture<HttpResponse<String>> read : held) {
            assertThat(read.get(60, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        }
    }

    @Test
    @Order(4)
    void withoutClickHouseStatisticsFailAndAFullJournalRefusesRegistrations()
            throws Exception
    {
        ENGINE.engine().stop();
        try {
            for (String path : Stream.concat(STATISTICS.stream(), Stream.of("/api/v1/messages/" + delivered, "/api/v1/reports/delivery?format=csv")).toList()) {
                assertThat(exchange("GET", path, Optional.of(BEARER)).status()).as(path).isEqualTo(500);
            }
            // Each request adds up to 1,000 records to a 64 KiB journal that nothing drains.
            Exchange refused = null;
            for (int request = 0; request < 20 && refused == null; request++) {
                ArrayNode batch = MAPPER.createArrayNode();
                for (int index = 0; index < 200; index++) {
                    batch.add(message("message-created.json", StatusCallbacks.messageSid()));
                }
                Exchange answer = register(batch.toString());
                if (answer.status() != 200) {
                    refused = answer;
                }
            }
            assertThat(refused).as("a full journal").isNotNull();
            assertThat(refused.status()).isEqualTo(503);
            assertThat(refused.headers().firstValue("Retry-After")).hasValue("7");
        }
        finally {
            ENGINE.engine().start();
        }
    }

    @Test
    @Order(5)
    void everyDocumentedOperationAndResponseWasMet()
    {
        Set<String> metOperations = CONTRACT.metResponses().stream().map(response -> response.substring(0, response.lastIndexOf(' '))).collect(Collectors.toSet());
        assertThat(metOperations).as("operations called").containsExactlyInAnyOrderElementsOf(CONTRACT.operations());
        assertThat(CONTRACT.metResponses()).as("responses met").containsExactlyInAnyOrderElementsOf(CONTRACT.documentedResponses());
    }

    private static CompletableFuture<HttpResponse<String>> hangingRead()
    {
        return HTTP.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ledger.port() + "/api/v1/stats/summary")).header("Authorization", BEARER).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static long queuedReads()
            throws Exception
    {
        HttpResponse<String> metrics = HTTP.send(HttpRequest.newBuilder(URI.create(ledger.adminUrl() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        return MAPPER.readTree(metrics.body()).path("gauges").path("api.requests.queued").path("value").asLong();
    }

    private static Exchange register(String body)
            throws Exception
    {
        return exchange("POST", "/api/v1/messages", Optional.of(BEARER), Optional.of("application/json"), Optional.of(body));
    }

    private static Exchange exchange(String method, String path, Optional<String> authorization)
            throws Exception
    {
        return exchange(method, path, authorization, Optional.empty(), Optional.empty());
    }

    private static Exchange exchange(String method, String path, Optional<String> authorization, Optional<String> contentType, Optional<String> body)
            throws Exception
    {
        return send(method, path, authorization, contentType, body, Optional.empty());
    }

    /** Sends the request, checks the answer against the document and returns it. */
    private static Exchange send(String method, String path, Optional<String> authorization, Optional<String> contentType, Optional<String> body, Optional<String> accept)
            throws Exception
    {
        URI uri = URI.create("http://127.0.0.1:" + ledger.port() + path);
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(Duration.ofSeconds(60))
                .method(method, body.map(HttpRequest.BodyPublishers::ofString).orElse(HttpRequest.BodyPublishers.noBody()));
        authorization.ifPresent(value -> request.header("Authorization", value));
        contentType.ifPresent(value -> request.header("Content-Type", value));
        accept.ifPresent(value -> request.header("Accept", value));
        HttpResponse<byte[]> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        Exchange exchange = new Exchange(method, uri, contentType, body, response.statusCode(), response.headers(), response.body());
        CONTRACT.check(exchange);
        return exchange;
    }

    private static ObjectNode message(String fixture, String messageSid)
            throws IOException
    {
        try (InputStream input = OpenApiContractIntegrationTest.class.getResourceAsStream("/twilio/" + fixture)) {
            ObjectNode message = (ObjectNode) MAPPER.readTree(input);
            message.put("sid", messageSid);
            message.put("uri", "/2010-04-01/Accounts/" + FIRST_ACCOUNT + "/Messages/" + messageSid + ".json");
            return message;
        }
    }

    private static String encode(String value)
    {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
