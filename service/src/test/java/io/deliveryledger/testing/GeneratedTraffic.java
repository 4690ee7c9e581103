package io.deliveryledger.testing;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static java.util.Objects.requireNonNull;

/**
 * Rows of {@code status_events} as the service writes them, for messages with Twilio's lifecycles
 * (queued, sent, then delivered, undelivered, failed or nothing; read after some deliveries), over
 * accounts, messaging services, countries, channels and senders. Seeded: the same seed gives the same
 * rows. What a test does with them (shuffle, duplicate, delay) is up to it.
 */
public final class GeneratedTraffic
{
    public static final List<String> ACCOUNTS = List.of("AC" + "a".repeat(32), "AC" + "b".repeat(32), "AC" + "c".repeat(32));
    public static final List<String> MESSAGING_SERVICES = List.of("", "MG" + "1".repeat(32), "MG" + "2".repeat(32));
    public static final List<String> COUNTRIES = List.of("US", "GB", "DE", "BR", "IN", "FR", "MX", "NG");
    private static final List<String> CHANNELS = List.of("sms", "sms", "sms", "whatsapp", "mms");
    private static final List<String> SENDERS = List.of("+14155550100", "+14155550101", "+442071838750", "Ledger");
    private static final List<Integer> ERROR_CODES = List.of(30003, 30005, 30006, 30007, 30008, 21610);
    private static final DateTimeFormatter CLICKHOUSE_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter DLR_DATE = DateTimeFormatter.ofPattern("yyMMddHHmm").withZone(ZoneOffset.UTC);
    private static final Map<String, Integer> RANKS = Map.of("queued", 2, "sent", 4, "delivered", 5, "undelivered", 5, "failed", 5, "read", 6, "canceled", 5);

    private final Random random;

    public GeneratedTraffic(long seed)
    {
        this.random = new Random(seed);
    }

    /** A message first queued at {@code queuedAt}: its events in lifecycle order. */
    public List<Map<String, Object>> message(Instant queuedAt, String source)
    {
        String channel = pick(CHANNELS);
        String sid = (channel.equals("mms") ? "MM" : "SM") + hex();
        String to = (channel.equals("whatsapp") ? "whatsapp:" : "") + "+1415555" + String.format("%04d", random.nextInt(10_000));
        String from = channel.equals("whatsapp") ? "whatsapp:" + SENDERS.get(0) : pick(SENDERS);
        Message message = new Message(sid, pick(ACCOUNTS), pick(MESSAGING_SERVICES), pick(COUNTRIES), channel, from, to,
                Map.of("campaign", pick(List.of("spring", "summer", "autumn")), "customer", String.valueOf(random.nextInt(5))));
        List<Map<String, Object>> events = new ArrayList<>();
        events.add(message.event(hex(), queuedAt, "queued", null, source));
        double outcome = random.nextDouble();
        if (outcome < 0.03) {
            return events;
        }
        Instant sentAt = queuedAt.plusMillis(200 + random.nextInt(20_000));
        events.add(message.event(hex(), sentAt, "sent", null, source));
        Instant finalAt = sentAt.plusMillis(1_000 + random.nextInt(120_000));
        if (outcome < 0.78) {
            events.add(message.event(hex(), finalAt, "delivered", null, source));
            if (channel.equals("whatsapp") && random.nextBoolean()) {
                events.add(message.event(hex(), finalAt.plusSeconds(30 + random.nextInt(600)), "read", null, source));
            }
        }
        else if (outcome < 0.86) {
            events.add(message.event(hex(), finalAt, "undelivered", pick(ERROR_CODES), source));
        }
        else if (outcome < 0.90) {
            events.add(message.event(hex(), sentAt, "failed", pick(ERROR_CODES), source));
        }
        return events;
    }

    /** An event of an existing message (from {@link #message}) with another status, time and source. */
    public static Map<String, Object> withStatus(Map<String, Object> event, String status, Integer errorCode, Instant at, String source, long eventId)
    {
        Map<String, Object> changed = new LinkedHashMap<>(event);
        changed.put("event_id", String.format("%032x", eventId));
        changed.put("event_time", CLICKHOUSE_TIME.format(at));
        changed.put("received_at", CLICKHOUSE_TIME.format(at));
        changed.put("status", status);
        changed.put("status_rank", RANKS.get(status));
        changed.put("error_code", errorCode);
        changed.put("source", source);
        changed.put("parameters", status.equals("delivered") ? Map.of("RawDlrDoneDate", DLR_DATE.format(at)) : Map.of());
        return changed;
    }

    public Random random()
    {
        return random;
    }

    private <T> T pick(List<T> values)
    {
        return values.get(random.nextInt(values.size()));
    }

    private String hex()
    {
        byte[] bytes = new byte[16];
        random.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    /** Inserts rows into {@code table} of {@code database} as JSONEachRow, as a bulk import would, bypassing the service. */
    public static void insert(TestingClickHouseEngine engine, String database, String table, List<Map<String, Object>> rows)
    {
        requireNonNull(engine, "engine is null");
        ObjectMapper mapper = new ObjectMapper();
        StringBuilder body = new StringBuilder();
        try {
            for (Map<String, Object> row : rows) {
                body.append(mapper.writeValueAsString(row)).append('\n');
            }
            String query = URLEncoder.encode("INSERT INTO " + table + " FORMAT JSONEachRow", StandardCharsets.UTF_8);
            HttpRequest request = HttpRequest.newBuilder(URI.create(engine.httpUrl() + "/?database=" + database + "&query=" + query))
                    .timeout(Duration.ofMinutes(5))
                    .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                    .build();
            HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("Insert into " + table + " failed: " + response.body());
            }
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private record Message(String sid, String account, String messagingService, String country, String channel, String from, String to, Map<String, String> tags)
    {
        Map<String, Object> event(String eventId, Instant at, String status, Integer errorCode, String source)
        {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("event_id", eventId);
            row.put("received_at", CLICKHOUSE_TIME.format(at));
            row.put("event_time", CLICKHOUSE_TIME.format(at));
            row.put("source", source);
            row.put("direction", "outbound");
            row.put("account_sid", account);
            row.put("message_sid", sid);
            row.put("messaging_service_sid", messagingService);
            row.put("status", status);
            row.put("status_rank", RANKS.get(status));
            row.put("error_code", errorCode);
            row.put("from_address", from);
            row.put("to_address", to);
            row.put("api_version", "2010-04-01");
            row.put("idempotency_token", "");
            row.put("journal_position", 0);
            row.put("tags", tags);
            row.put("parameters", status.equals("delivered") ? Map.of("RawDlrDoneDate", DLR_DATE.format(at)) : Map.of());
            row.put("country", country);
            row.put("number_type", "mobile");
            row.put("channel", channel);
            return row;
        }
    }
}
