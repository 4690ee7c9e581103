package io.deliveryledger.analytics;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.TreeMap;

import static java.util.Objects.requireNonNull;

/**
 * Delivery statistics from the read model ({@link MessageCounts}): messages by current status for a range
 * of first-seen minutes, per time step, per dimension, latencies; and one message's state and events
 * from the per-message truth ({@code message_status}, {@code status_events}). Counting is done by
 * ClickHouse; the shares are derived here, in {@link StatusCounts}.
 */
public final class DeliveryStatistics
{
    public static final int TOP_ERROR_CODES = 10;
    public static final int MAX_POINTS = 10_000;
    private static final List<Duration> STEPS = List.of(
            Duration.ofMinutes(1), Duration.ofMinutes(5), Duration.ofMinutes(15), Duration.ofMinutes(30),
            Duration.ofHours(1), Duration.ofHours(3), Duration.ofHours(6), Duration.ofHours(12),
            Duration.ofDays(1), Duration.ofDays(7));
    private static final int CHOSEN_POINTS = 200;

    private final ClickHouseQueries queries;
    private final ObjectMapper objectMapper;
    private final Duration noReceiptAfter;
    private final Clock clock;

    /**
     * @param noReceiptAfter how long after its first-seen day a message still sent counts as
     * {@value MessageCounts#NO_RECEIPT}: the reconciliation lookback
     */
    public DeliveryStatistics(ClickHouseQueries queries, ObjectMapper objectMapper, Duration noReceiptAfter, Clock clock)
    {
        this.queries = requireNonNull(queries, "queries is null");
        this.objectMapper = requireNonNull(objectMapper, "objectMapper is null");
        this.noReceiptAfter = requireNonNull(noReceiptAfter, "noReceiptAfter is null");
        this.clock = requireNonNull(clock, "clock is null");
    }

    public Summary summary(AnalyticsFilter filter)
    {
        MessageCounts counts = counts(filter, List.of());
        Map<String, Long> byStatus = new HashMap<>();
        for (JsonNode row : queries.rows(counts.countBy())) {
            byStatus.put(row.get("current_status").asText(), row.get("messages").asLong());
        }
        Dimension errorCode = Dimension.parse("by", "error_code");
        MessageCounts byErrorCode = counts(filter, List.of(errorCode));
        Map<String, Long> messagesByCode = new HashMap<>();
        for (JsonNode row : queries.rows(byErrorCode.countBy())) {
            String code = row.get("error_code").asText();
            if (!code.isEmpty()) {
                messagesByCode.merge(code, row.get("messages").asLong(), Long::sum);
            }
        }
        Map<Integer, String> descriptions = errorDescriptions();
        List<ErrorCodeCount> topErrorCodes = messagesByCode.entrySet().stream()
                .map(entry -> new ErrorCodeCount(Integer.parseInt(entry.getKey()), descriptions.getOrDefault(Integer.parseInt(entry.getKey()), ""), entry.getValue()))
                .sorted(Comparator.comparingLong(ErrorCodeCount::messages).reversed().thenComparingInt(ErrorCodeCount::errorCode))
                .limit(TOP_ERROR_CODES)
                .toList();
        return new Summary(counts.range().from().toString(), counts.range().to().toString(), new StatusCounts(byStatus), topErrorCodes);
    }

    /** @param step empty: chosen so the range has at most about 200 points */
    public TimeSeries timeSeries(AnalyticsFilter filter, Optional<Duration> step)
    {
        FirstSeenRange range = FirstSeenRange.covering(filter.from(), filter.to());
        Duration span = Duration.between(range.from(), range.to());
        Duration chosen = step.orElseGet(() -> STEPS.stream()
                .filter(candidate -> span.dividedBy(candidate) <= CHOSEN_POINTS)
                .findFirst()
                .orElse(STEPS.get(STEPS.size() - 1)));
        long stepSeconds = chosen.toSeconds();
        if (chosen.compareTo(Duration.ofMinutes(1)) < 0 || chosen.toSecondsPart() != 0 || chosen.toNanosPart() != 0) {
            throw new InvalidParameterException("step", "must be a whole number of minutes (PT1M, PT1H, P1D), got " + chosen);
        }
        long first = Math.floorDiv(range.from().getEpochSecond(), stepSeconds) * stepSeconds;
        long points = (range.to().getEpochSecond() - first + stepSeconds - 1) / stepSeconds;
        if (points > MAX_POINTS) {
            throw new InvalidParameterException("step", "gives %d points over the range; at most %d are allowed, use a longer step".formatted(points, MAX_POINTS));
        }
        Dimension bucket = MessageCounts.timeBucket(chosen);
        MessageCounts counts = counts(filter, List.of(bucket));
        Map<Long, Map<String, Long>> byBucket = new TreeMap<>();
        for (long time = first; time < range.to().getEpochSecond(); time += stepSeconds) {
            byBucket.put(time, new HashMap<>());
        }
        for (JsonNode row : queries.rows(counts.countBy())) {
            byBucket.computeIfAbsent(row.get("bucket").asLong(), time -> new HashMap<>())
                    .put(row.get("current_status").asText(), row.get("messages").asLong());
        }
        List<TimeSeriesPoint> series = new ArrayList<>();
        byBucket.forEach((time, byStatus) -> series.add(new TimeSeriesPoint(Instant.ofEpochSecond(time).toString(), new StatusCounts(byStatus))));
        return new TimeSeries(range.from().toString(), range.to().toString(), chosen.toString(), series);
    }

    public Breakdown breakdown(AnalyticsFilter filter, Dimension dimension, int limit)
    {
        MessageCounts counts = counts(filter, List.of(dimension));
        Map<String, Map<String, Long>> byKey = new HashMap<>();
        for (JsonNode row : queries.rows(counts.countBy())) {
            byKey.computeIfAbsent(row.get(dimension.name()).asText(), key -> new HashMap<>())
                    .put(row.get("current_status").asText(), row.get("messages").asLong());
        }
        Map<Integer, String> descriptions = dimension.name().equals("error_code") ? errorDescriptions() : Map.of();
        List<BreakdownRow> rows = byKey.entrySet().stream()
                .map(entry -> new BreakdownRow(entry.getKey(), description(descriptions, entry.getKey()), new StatusCounts(entry.getValue())))
                .sorted(Comparator.comparingLong((BreakdownRow row) -> row.counts().messages()).reversed().thenComparing(BreakdownRow::key))
                .limit(limit)
                .toList();
        return new Breakdown(counts.range().from().toString(), counts.range().to().toString(), dimension.name(), rows);
    }

    /**
     * Percentiles of queued→sent and sent→delivered over the messages that have both events, from their
     * event times (the carrier's RawDlrDoneDate for delivered, where present), in milliseconds rounded
     * down to two significant digits (the read model's latency buckets). The DLR date has minute
     * precision and may fall before the sent time: such latencies count as 0.
     */
    public Latency latency(AnalyticsFilter filter)
    {
        MessageCounts counts = counts(filter, List.of());
        Map<String, LatencyPercentiles> byLatency = new HashMap<>();
        for (JsonNode row : queries.rows(counts.latencyPercentiles())) {
            JsonNode values = row.get("percentiles");
            byLatency.put(row.get("latency").asText(), new LatencyPercentiles(row.get("messages").asLong(),
                    OptionalLong.of(values.get(0).asLong()), OptionalLong.of(values.get(1).asLong()), OptionalLong.of(values.get(2).asLong())));
        }
        LatencyPercentiles none = new LatencyPercentiles(0, OptionalLong.empty(), OptionalLong.empty(), OptionalLong.empty());
        return new Latency(
                counts.range().from().toString(),
                counts.range().to().toString(),
                byLatency.getOrDefault("queued_to_sent", none),
                byLatency.getOrDefault("sent_to_delivered", none));
    }

    /** The read model's queries for the messages {@code filter} covers, grouped by {@code keys}. */
    public MessageCounts counts(AnalyticsFilter filter, List<Dimension> keys)
    {
        Instant noReceiptBefore = clock.instant().minus(noReceiptAfter).truncatedTo(ChronoUnit.DAYS);
        return new MessageCounts(filter, keys, noReceiptBefore);
    }

    /** The message's resolved state and its events, each once (by event id), oldest first; empty when the SID is unknown. */
    public Optional<MessageTimeline> message(String messageSid)
    {
        Sql.Builder state = new Sql.Builder();
        state.append("""
                SELECT message_sid, account_sid, messaging_service_sid, direction, from_address, to_address, status, error_code,
                    toUnixTimestamp64Milli(first_event_at) AS first_event_at, toUnixTimestamp64Milli(last_event_at) AS last_event_at,
                    toUnixTimestamp64Milli(queued_at) AS queued_at, toUnixTimestamp64Milli(sent_at) AS sent_at,
                    toUnixTimestamp64Milli(delivered_at) AS delivered_at, sources, event_count, country, number_type, channel, tags,
                    toUnixTimestamp64Milli(first_received_at) AS first_received_at, toUnixTimestamp64Milli(last_received_at) AS last_received_at
                FROM message_status WHERE message_sid = """).append(state.bind(messageSid, "String"));
        List<JsonNode> states = queries.rows(state.build());
        if (states.isEmpty()) {
            return Optional.empty();
        }
        JsonNode row = states.get(0);
        OptionalInt messageErrorCode = optionalInt(row.get("error_code"));
        List<JsonNode> eventRows = queries.rows(eventsOf(messageSid, row.get("first_received_at").asLong(), row.get("last_received_at").asLong()));
        // Most messages carry no error code, and a poll for one then costs two statements, not three.
        boolean errorCodes = messageErrorCode.isPresent() || eventRows.stream().anyMatch(event -> optionalInt(event.get("error_code")).isPresent());
        Map<Integer, String> descriptions = errorCodes ? errorDescriptions() : Map.of();
        List<TimelineEvent> timeline = new ArrayList<>();
        for (JsonNode event : eventRows) {
            OptionalInt errorCode = optionalInt(event.get("error_code"));
            timeline.add(new TimelineEvent(
                    event.get("event_id").asText(),
                    time(event.get("event_time")),
                    time(event.get("received_at")),
                    event.get("source").asText(),
                    event.get("status").asText(),
                    errorCode,
                    errorCode.isPresent() ? Optional.ofNullable(descriptions.get(errorCode.getAsInt())) : Optional.empty(),
                    stringMap(event.get("tags")),
                    stringMap(event.get("parameters"))));
        }
        List<String> sources = new ArrayList<>();
        row.get("sources").forEach(source -> sources.add(source.asText()));
        return Optional.of(new MessageTimeline(
                row.get("message_sid").asText(),
                row.get("account_sid").asText(),
                row.get("messaging_service_sid").asText(),
                row.get("direction").asText(),
                row.get("from_address").asText(),
                row.get("to_address").asText(),
                row.get("status").asText(),
                messageErrorCode,
                messageErrorCode.isPresent() ? Optional.ofNullable(descriptions.get(messageErrorCode.getAsInt())) : Optional.empty(),
                row.get("country").asText(),
                row.get("number_type").asText(),
                row.get("channel").asText(),
                stringMap(row.get("tags")),
                time(row.get("first_event_at")),
                time(row.get("last_event_at")),
                optionalTime(row.get("queued_at")),
                optionalTime(row.get("sent_at")),
                optionalTime(row.get("delivered_at")),
                sources,
                row.get("event_count").asLong(),
                timeline));
    }

    /**
     * The statement for the events of a message whose events were received from {@code firstReceivedAt} to
     * {@code lastReceivedAt} (epoch milliseconds, from {@code message_status}). Within those times it reads the
     * partitions and hours of that span only; a first receipt at 0 (rows stored before schema V009) leaves
     * the message's SID alone to find them, through the bloom filter of every granule.
     */
    static Sql eventsOf(String messageSid, long firstReceivedAt, long lastReceivedAt)
    {
        // Two instances may both store a callback and its retry (see schema V008): each event is listed
        // once, as it first arrived.
        Sql.Builder events = new Sql.Builder();
        events.append("""
                SELECT event_id, toUnixTimestamp64Milli(received_at) AS received_at, toUnixTimestamp64Milli(event_time) AS event_time,
                    source, status, error_code, tags, parameters
                FROM
                (
                    SELECT event_id, received_at, event_time, source, status, status_rank, error_code, tags, parameters
                    FROM status_events WHERE message_sid = """).append(events.bind(messageSid, "String"));
        if (firstReceivedAt > 0) {
            events.append(" AND received_at BETWEEN fromUnixTimestamp64Milli(").append(events.bind(firstReceivedAt, "Int64")).append(", 'UTC')")
                    .append(" AND fromUnixTimestamp64Milli(").append(events.bind(lastReceivedAt, "Int64")).append(", 'UTC')");
        }
        return events.append("""
                 ORDER BY event_id, received_at, event_time
                    LIMIT 1 BY event_id
                )
                ORDER BY event_time, status_rank, received_at, event_id""").build();
    }

    /** Twilio's descriptions by error code (a few hundred rows at most). */
    public Map<Integer, String> errorDescriptions()
    {
        Map<Integer, String> descriptions = new HashMap<>();
        for (JsonNode row : queries.rows(new Sql.Builder().append("SELECT code, description FROM twilio_error_codes FINAL").build())) {
            descriptions.put(row.get("code").asInt(), row.get("description").asText());
        }
        return descriptions;
    }

    private static Optional<String> description(Map<Integer, String> descriptions, String key)
    {
        if (descriptions.isEmpty() || key.isEmpty()) {
            return Optional.empty();
        }
        return Optional.ofNullable(descriptions.get(Integer.parseInt(key)));
    }

    private Map<String, String> stringMap(JsonNode node)
    {
        return objectMapper.convertValue(node, objectMapper.getTypeFactory().constructMapType(TreeMap.class, String.class, String.class));
    }

    private static OptionalInt optionalInt(JsonNode node)
    {
        return node == null || node.isNull() ? OptionalInt.empty() : OptionalInt.of(node.asInt());
    }

    private static String time(JsonNode epochMillis)
    {
        return Instant.ofEpochMilli(epochMillis.asLong()).toString();
    }

    private static Optional<String> optionalTime(JsonNode epochMillis)
    {
        return epochMillis == null || epochMillis.isNull() ? Optional.empty() : Optional.of(time(epochMillis));
    }

    public record Summary(String from, String to, @JsonUnwrapped StatusCounts counts, List<ErrorCodeCount> topErrorCodes)
    {
        public Summary
        {
            requireNonNull(from, "from is null");
            requireNonNull(to, "to is null");
            requireNonNull(counts, "counts is null");
            topErrorCodes = List.copyOf(topErrorCodes);
        }
    }

    public record ErrorCodeCount(int errorCode, String description, long messages)
    {
        public ErrorCodeCount
        {
            requireNonNull(description, "description is null");
        }
    }

    public record TimeSeries(String from, String to, String step, List<TimeSeriesPoint> points)
    {
        public TimeSeries
        {
            requireNonNull(from, "from is null");
            requireNonNull(to, "to is null");
            requireNonNull(step, "step is null");
            points = List.copyOf(points);
        }
    }

    public record TimeSeriesPoint(String time, @JsonUnwrapped StatusCounts counts)
    {
        public TimeSeriesPoint
        {
            requireNonNull(time, "time is null");
            requireNonNull(counts, "counts is null");
        }
    }

    public record Breakdown(String from, String to, String by, List<BreakdownRow> rows)
    {
        public Breakdown
        {
            requireNonNull(from, "from is null");
            requireNonNull(to, "to is null");
            requireNonNull(by, "by is null");
            rows = List.copyOf(rows);
        }
    }

    /** @param description Twilio's description, when breaking down by error code */
    public record BreakdownRow(String key, @JsonInclude(JsonInclude.Include.NON_ABSENT) Optional<String> description, @JsonUnwrapped StatusCounts counts)
    {
        public BreakdownRow
        {
            requireNonNull(key, "key is null");
            requireNonNull(description, "description is null");
            requireNonNull(counts, "counts is null");
        }
    }

    public record Latency(String from, String to, LatencyPercentiles queuedToSent, LatencyPercentiles sentToDelivered)
    {
        public Latency
        {
            requireNonNull(from, "from is null");
            requireNonNull(to, "to is null");
            requireNonNull(queuedToSent, "queuedToSent is null");
            requireNonNull(sentToDelivered, "sentToDelivered is null");
        }
    }

    /** Milliseconds; empty when no message has both events. */
    public record LatencyPercentiles(long messages, OptionalLong p50Millis, OptionalLong p90Millis, OptionalLong p99Millis)
    {
        public LatencyPercentiles
        {
            requireNonNull(p50Millis, "p50Millis is null");
            requireNonNull(p90Millis, "p90Millis is null");
            requireNonNull(p99Millis, "p99Millis is null");
        }
    }

    public record MessageTimeline(
            String messageSid,
            String accountSid,
            String messagingServiceSid,
            String direction,
            String from,
            String to,
            String status,
            OptionalInt errorCode,
            Optional<String> errorDescription,
            String country,
            String numberType,
            String channel,
            Map<String, String> tags,
            String firstEventAt,
            String lastEventAt,
            Optional<String> queuedAt,
            Optional<String> sentAt,
            Optional<String> deliveredAt,
            List<String> sources,
            long eventCount,
            List<TimelineEvent> events)
    {
        public MessageTimeline
        {
            requireNonNull(messageSid, "messageSid is null");
            requireNonNull(status, "status is null");
            requireNonNull(errorCode, "errorCode is null");
            requireNonNull(errorDescription, "errorDescription is null");
            tags = Map.copyOf(tags);
            sources = List.copyOf(sources);
            events = List.copyOf(events);
        }
    }

    public record TimelineEvent(
            String eventId,
            String eventTime,
            String receivedAt,
            String source,
            String status,
            OptionalInt errorCode,
            Optional<String> errorDescription,
            Map<String, String> tags,
            Map<String, String> parameters)
    {
        public TimelineEvent
        {
            requireNonNull(eventId, "eventId is null");
            requireNonNull(errorCode, "errorCode is null");
            requireNonNull(errorDescription, "errorDescription is null");
            tags = Map.copyOf(tags);
            parameters = Map.copyOf(parameters);
        }
    }
}
