package io.deliveryledger.simulator.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.deliveryledger.simulator.Account;
import io.deliveryledger.simulator.ApiStatistics;
import io.deliveryledger.simulator.SimulationSettings;
import io.deliveryledger.simulator.api.MessagesApiHandler.ApiLimits;
import io.deliveryledger.simulator.traffic.PlannedMessage;
import io.deliveryledger.simulator.traffic.TrafficPlanner;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

final class MessagesApiTest
{
    private static final Account ACCOUNT = new Account("AC" + "1".repeat(32), "token-one");
    private static final Account OTHER_ACCOUNT = new Account("AC" + "2".repeat(32), "token-two");
    private static final DateTimeFormatter RFC_2822 = DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss Z", Locale.US);
    // What twilio-java's Message.reader() sends for DateSent< and DateSent>: UTC, no zone.
    private static final DateTimeFormatter TWILIO_JAVA_QUERY = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss").withZone(ZoneOffset.UTC);

    private static final ObjectMapper objectMapper = new ObjectMapper();
    private static final HttpClient httpClient = HttpClient.newHttpClient();
    private static List<PlannedMessage> messages;
    private static ApiServer server;
    private static MessagesApiHandler handler;

    @BeforeAll
    static void startApi()
    {
        // 400 messages, one every 5 minutes, all finished: about 33 hours of history ending an hour ago.
        SimulationSettings settings = SimulationSettings.builder()
                .target(URI.create("http://127.0.0.1:1/unused"))
                .account(ACCOUNT.sid(), ACCOUNT.authToken())
                .account(OTHER_ACCOUNT.sid(), OTHER_ACCOUNT.authToken())
                .messages(400)
                .rate(1.0 / 300)
                .seed(42)
                .build();
        TrafficPlanner planner = new TrafficPlanner(settings, Instant.now().minus(Duration.ofHours(35)));
        MessageStore store = new MessageStore();
        List<PlannedMessage> planned = new ArrayList<>();
        while (planner.hasNext()) {
            PlannedMessage message = planner.next();
            planned.add(message);
            store.add(message);
        }
        messages = List.copyOf(planned);
        handler = new MessagesApiHandler(store, List.of(ACCOUNT, OTHER_ACCOUNT), new ApiLimits(1000, 0, 0, Duration.ofSeconds(1), Duration.ZERO));
        server = new ApiServer(handler, "127.0.0.1", 0);
        server.start();
    }

    @AfterAll
    static void stopApi()
    {
        server.close();
    }

    @Test
    void fetchReturnsTwiliosMessageShape()
            throws Exception
    {
        PlannedMessage message = messages.stream().filter(planned -> planned.finalStep().errorCode().isPresent()).findFirst().orElseThrow();
        HttpResponse<String> response = get(message.account(), "/2010-04-01/Accounts/%s/Messages/%s.json".formatted(message.account().sid(), message.sid()));
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).get().asString().startsWith("application/json");
        JsonNode json = objectMapper.readTree(response.body());
        assertThat(json.properties()).extracting(entry -> entry.getKey()).containsExactlyInAnyOrder(
                "account_sid", "api_version", "body", "date_created", "date_sent", "date_updated", "direction", "error_code", "error_message",
                "from", "messaging_service_sid", "num_media", "num_segments", "price", "price_unit", "sid", "status", "subresource_uris", "to", "uri");
        assertThat(json.get("sid").asText()).isEqualTo(message.sid());
        assertThat(json.get("account_sid").asText()).isEqualTo(message.account().sid());
        assertThat(json.get("status").asText()).isEqualTo(message.finalStep().status().wireName());
        assertThat(json.get("error_code").isInt()).isTrue();
        assertThat(json.get("error_code").asInt()).isEqualTo(message.finalStep().errorCode().orElseThrow());
        assertThat(json.get("num_segments").isTextual()).isTrue();
        assertThat(json.get("direction").asText()).isEqualTo("outbound-api");
        assertThat(json.get("api_version").asText()).isEqualTo("2010-04-01");
        assertThat(json.get("to").asText()).isEqualTo(message.to());
        assertThat(json.get("uri").asText()).isEqualTo("/2010-04-01/Accounts/%s/Messages/%s.json".formatted(message.account().sid(), message.sid()));
        assertThat(ZonedDateTime.parse(json.get("date_created").asText(), RFC_2822).toInstant())
                .isEqualTo(message.createdAt().truncatedTo(ChronoUnit.SECONDS));
        assertThat(json.get("date_created").asText()).endsWith(" +0000");
    }

    @Test
    void unknownSidOrAnotherAccountsMessageIsNotFound()
            throws Exception
    {
        String unknown = "/2010-04-01/Accounts/%s/Messages/SM%s.json".formatted(ACCOUNT.sid(), "f".repeat(32));
        HttpResponse<String> response = get(ACCOUNT, unknown);
        assertThat(response.statusCode()).isEqualTo(404);
        JsonNode error = objectMapper.readTree(response.body());
        assertThat(error.get("code").asInt()).isEqualTo(20404);
        assertThat(error.get("status").asInt()).isEqualTo(404);
        assertThat(error.get("message").asText()).isEqualTo("The requested resource %s was not found".formatted(unknown));
        assertThat(error.get("more_info").asText()).isEqualTo("https://www.twilio.com/docs/errors/20404");

        PlannedMessage others = messages.stream().filter(message -> message.account().equals(OTHER_ACCOUNT)).findFirst().orElseThrow();
        assertThat(get(ACCOUNT, "/2010-04-01/Accounts/%s/Messages/%s.json".formatted(ACCOUNT.sid(), others.sid())).statusCode()).isEqualTo(404);
        assertThat(get(ACCOUNT, "/2010-04-01/Accounts/%s/Messages/%s.json".formatted(OTHER_ACCOUNT.sid(), others.sid())).statusCode()).isEqualTo(404);
        assertThat(get(OTHER_ACCOUNT, "/2010-04-01/Accounts/%s/Messages/%s.json".formatted(OTHER_ACCOUNT.sid(), others.sid())).statusCode()).isEqualTo(200);
    }

    @Test
    void wrongOrMissingCredentialsAreUnauthorized()
            throws Exception
    {
        String path = "/2010-04-01/Accounts/%s/Messages.json".formatted(ACCOUNT.sid());
        HttpResponse<String> wrongToken = get(new Account(ACCOUNT.sid(), "wrong"), path);
        assertThat(wrongToken.statusCode()).isEqualTo(401);
        assertThat(wrongToken.headers().firstValue("WWW-Authenticate")).isPresent();
        assertThat(objectMapper.readTree(wrongToken.body()).get("code").asInt()).isEqualTo(20003);
        HttpResponse<String> anonymous = httpClient.send(HttpRequest.newBuilder(server.baseUrl().resolve(path)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(get(new Account(OTHER_ACCOUNT.sid(), ACCOUNT.authToken()), path).statusCode()).isEqualTo(401);
    }

    @Test
    void nextPageUriChainVisitsEveryMessageOnceNewestFirst()
            throws Exception
    {
        List<JsonNode> listed = listAll(ACCOUNT, "/2010-04-01/Accounts/%s/Messages.json?PageSize=7".formatted(ACCOUNT.sid()), 7);
        List<String> expected = messages.stream().filter(message -> message.account().equals(ACCOUNT)).map(PlannedMessage::sid).toList();
        assertThat(listed).extracting(json -> json.get("sid").asText()).containsExactlyInAnyOrderElementsOf(expected);
        List<Instant> order = listed.stream().map(MessagesApiTest::sortTime).toList();
        assertThat(order).isSortedAccordingTo((left, right) -> right.compareTo(left));
    }

    @Test
    void pageWithoutTokenCountsPagesFromTheFirst()
            throws Exception
    {
        String path = "/2010-04-01/Accounts/%s/Messages.json?PageSize=5".formatted(ACCOUNT.sid());
        JsonNode first = objectMapper.readTree(get(ACCOUNT, path).body());
        JsonNode second = objectMapper.readTree(get(ACCOUNT, first.get("next_page_uri").asText()).body());
        JsonNode secondByNumber = objectMapper.readTree(get(ACCOUNT, path + "&Page=1").body());
        assertThat(secondByNumber.get("messages")).isEqualTo(second.get("messages"));
        assertThat(secondByNumber.get("start").asInt()).isEqualTo(5);
        assertThat(get(ACCOUNT, path + "&PageToken=bogus").statusCode()).isEqualTo(400);
    }

    @Test
    void pageSizeUpTo1000AndNoMore()
            throws Exception
    {
        HttpResponse<String> response = get(ACCOUNT, "/2010-04-01/Accounts/%s/Messages.json?PageSize=1000".formatted(ACCOUNT.sid()));
        JsonNode page = objectMapper.readTree(response.body());
        long accountMessages = messages.stream().filter(message -> message.account().equals(ACCOUNT)).count();
        assertThat(page.get("messages").size()).isEqualTo(accountMessages);
        assertThat(page.get("page_size").asInt()).isEqualTo(1000);
        assertThat(page.get("next_page_uri").isNull()).isTrue();
        assertThat(page.get("start").asInt()).isZero();
        assertThat(page.get("end").asInt()).isEqualTo(accountMessages - 1);
        assertThat(page.get("first_page_uri").asText()).isEqualTo("/2010-04-01/Accounts/%s/Messages.json?PageSize=1000&Page=0".formatted(ACCOUNT.sid()));

        HttpResponse<String> tooLarge = get(ACCOUNT, "/2010-04-01/Accounts/%s/Messages.json?PageSize=1001".formatted(ACCOUNT.sid()));
        assertThat(tooLarge.statusCode()).isEqualTo(400);
        assertThat(objectMapper.readTree(tooLarge.body()).get("message").asText()).contains("PageSize").contains("1000");
    }

    @Test
    void dateSentFiltersAsTwilioJavaSendsThem()
            throws Exception
    {
        List<PlannedMessage> own = messages.stream().filter(message -> message.account().equals(ACCOUNT)).toList();
        Instant after = sortTime(own.get(own.size() / 4)).truncatedTo(ChronoUnit.SECONDS);
        Instant before = sortTime(own.get(own.size() / 2)).truncatedTo(ChronoUnit.SECONDS);
        String query = "DateSent%3E=" + TWILIO_JAVA_QUERY.format(after) + "&DateSent%3C=" + TWILIO_JAVA_QUERY.format(before) + "&PageSize=10";
        List<JsonNode> listed = listAll(ACCOUNT, "/2010-04-01/Accounts/%s/Messages.json?%s".formatted(ACCOUNT.sid(), query), 10);
        Instant beforeEnd = before.plusSeconds(1);
        assertThat(listed).extracting(json -> json.get("sid").asText())
                .containsExactlyInAnyOrderElementsOf(sids(own, time -> !time.isBefore(after) && time.isBefore(beforeEnd)));
        assertThat(listed).isNotEmpty();

        LocalDate day = LocalDate.ofInstant(sortTime(own.get(own.size() / 2)), ZoneOffset.UTC);
        List<JsonNode> sameDay = listAll(ACCOUNT, "/2010-04-01/Accounts/%s/Messages.json?DateSent=%s&PageSize=1000".formatted(ACCOUNT.sid(), day), 1000);
        assertThat(sameDay).extracting(json -> json.get("sid").asText())
                .containsExactlyInAnyOrderElementsOf(sids(own, time -> LocalDate.ofInstant(time, ZoneOffset.UTC).equals(day)));

        String zoned = URLEncoder.encode(after.toString(), StandardCharsets.UTF_8);
        List<JsonNode> fromZoned = listAll(ACCOUNT, "/2010-04-01/Accounts/%s/Messages.json?DateSent%%3E=%s&PageSize=1000".formatted(ACCOUNT.sid(), zoned), 1000);
        assertThat(fromZoned).extracting(json -> json.get("sid").asText()).containsExactlyInAnyOrderElementsOf(sids(own, time -> !time.isBefore(after)));

        HttpResponse<String> invalid = get(ACCOUNT, "/2010-04-01/Accounts/%s/Messages.json?DateSent%%3C=yesterday".formatted(ACCOUNT.sid()));
        assertThat(invalid.statusCode()).isEqualTo(400);
        assertThat(objectMapper.readTree(invalid.body()).get("message").asText()).contains("DateSent<").contains("yesterday");
    }

    @Test
    void statisticsCountRequestsByKind()
            throws Exception
    {
        ApiStatistics before = handler.statistics();
        get(ACCOUNT, "/2010-04-01/Accounts/%s/Messages/SM%s.json".formatted(ACCOUNT.sid(), "0".repeat(32)));
        get(ACCOUNT, "/2010-04-01/Accounts/%s/Messages.json".formatted(ACCOUNT.sid()));
        get(new Account(ACCOUNT.sid(), "wrong"), "/2010-04-01/Accounts/%s/Messages.json".formatted(ACCOUNT.sid()));
        JsonNode statistics = objectMapper.readTree(httpClient.send(HttpRequest.newBuilder(server.baseUrl().resolve(MessagesApiHandler.STATISTICS_PATH)).build(),
                HttpResponse.BodyHandlers.ofString()).body());
        assertThat(statistics.get("notFound").asLong()).isGreaterThanOrEqualTo(before.notFound() + 1);
        assertThat(statistics.get("listPages").asLong()).isGreaterThanOrEqualTo(before.listPages() + 1);
        assertThat(statistics.get("unauthorized").asLong()).isGreaterThanOrEqualTo(before.unauthorized() + 1);
        assertThat(statistics.get("total").asLong()).isGreaterThanOrEqualTo(before.total() + 3);
    }

    @Test
    void tooManyRequestsWithTheConfiguredProbability()
            throws Exception
    {
        MessagesApiHandler storm = new MessagesApiHandler(new MessageStore(), List.of(ACCOUNT), new ApiLimits(10, 0, 1.0, Duration.ofSeconds(7), Duration.ZERO));
        try (ApiServer stormServer = new ApiServer(storm, "127.0.0.1", 0)) {
            stormServer.start();
            HttpResponse<String> response = httpClient.send(authorized(ACCOUNT, stormServer.baseUrl().resolve(
                    "/2010-04-01/Accounts/%s/Messages.json".formatted(ACCOUNT.sid()))), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(429);
            assertThat(response.headers().firstValue("Retry-After")).hasValue("7");
            assertThat(objectMapper.readTree(response.body()).toString())
                    .isEqualTo("{\"code\":20429,\"message\":\"Too Many Requests\",\"more_info\":\"https://www.twilio.com/docs/errors/20429\",\"status\":429}");
            assertThat(storm.statistics().tooManyRequests()).isEqualTo(1);
        }
    }

    @Test
    void tooManyRequestsWhenMoreThanTheLimitAreInFlight()
            throws Exception
    {
        MessagesApiHandler limited = new MessagesApiHandler(new MessageStore(), List.of(ACCOUNT), new ApiLimits(2, 0, 0, Duration.ofSeconds(1), Duration.ofMillis(500)));
        try (ApiServer limitedServer = new ApiServer(limited, "127.0.0.1", 0)) {
            limitedServer.start();
            HttpRequest request = authorized(ACCOUNT, limitedServer.baseUrl().resolve("/2010-04-01/Accounts/%s/Messages.json".formatted(ACCOUNT.sid())));
            List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
            for (int index = 0; index < 6; index++) {
                responses.add(httpClient.sendAsync(request, HttpResponse.BodyHandlers.ofString()));
            }
            List<Integer> statuses = responses.stream().map(CompletableFuture::join).map(HttpResponse::statusCode).toList();
            assertThat(statuses).contains(200, 429);
            assertThat(statuses.stream().filter(status -> status == 200).count()).isLessThanOrEqualTo(4);
            assertThat(limited.statistics().tooManyRequests()).isEqualTo(statuses.stream().filter(status -> status == 429).count());
            // Once the others are answered there is room again.
            assertThat(httpClient.send(request, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void rateLimitAnswersTooManyRequestsBeyondTheRate()
            throws Exception
    {
        MessagesApiHandler limited = new MessagesApiHandler(new MessageStore(), List.of(ACCOUNT), new ApiLimits(100, 2, 0, Duration.ofSeconds(1), Duration.ZERO));
        try (ApiServer limitedServer = new ApiServer(limited, "127.0.0.1", 0)) {
            limitedServer.start();
            HttpRequest request = authorized(ACCOUNT, limitedServer.baseUrl().resolve("/2010-04-01/Accounts/%s/Messages.json".formatted(ACCOUNT.sid())));
            List<Integer> statuses = new ArrayList<>();
            for (int index = 0; index < 5; index++) {
                statuses.add(httpClient.send(request, HttpResponse.BodyHandlers.ofString()).statusCode());
            }
            assertThat(statuses.subList(0, 2)).containsOnly(200);
            assertThat(statuses).contains(429);
        }
    }

    private static List<String> sids(List<PlannedMessage> candidates, Predicate<Instant> timeMatches)
    {
        Instant now = Instant.now();
        return candidates.stream()
                .filter(message -> timeMatches.test(message.sentAt(now).orElse(message.createdAt())))
                .map(PlannedMessage::sid)
                .toList();
    }

    private static Instant sortTime(PlannedMessage message)
    {
        return message.sentAt(Instant.now()).orElse(message.createdAt());
    }

    private static Instant sortTime(JsonNode json)
    {
        String date = json.get("date_sent").isNull() ? json.get("date_created").asText() : json.get("date_sent").asText();
        return ZonedDateTime.parse(date, RFC_2822).toInstant();
    }

    private static List<JsonNode> listAll(Account account, String firstPage, int pageSize)
            throws IOException, InterruptedException
    {
        List<JsonNode> listed = new ArrayList<>();
        String next = firstPage;
        int pages = 0;
        while (next != null) {
            HttpResponse<String> response = get(account, next);
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            JsonNode page = objectMapper.readTree(response.body());
            assertThat(page.get("page").asInt()).isEqualTo(pages);
            assertThat(page.get("page_size").asInt()).isEqualTo(pageSize);
            assertThat(page.get("messages").size()).isLessThanOrEqualTo(pageSize);
            page.get("messages").forEach(listed::add);
            next = page.get("next_page_uri").isNull() ? null : page.get("next_page_uri").asText();
            pages++;
        }
        return listed;
    }

    private static HttpResponse<String> get(Account account, String pathAndQuery)
            throws IOException, InterruptedException
    {
        return httpClient.send(authorized(account, URI.create(server.baseUrl() + pathAndQuery)), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest authorized(Account account, URI uri)
    {
        String credentials = Base64.getEncoder().encodeToString((account.sid() + ":" + account.authToken()).getBytes(StandardCharsets.UTF_8));
        return HttpRequest.newBuilder(uri).header("Authorization", "Basic " + credentials).build();
    }
}
