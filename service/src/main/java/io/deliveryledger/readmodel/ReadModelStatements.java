package io.deliveryledger.readmodel;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The SQL of the read model's steps. A step reads some events ({@link Source}: one time slice of
 * {@code status_event_log}, or one day of receipt of the {@code status_events} inserted before a
 * build), split into {@code parts} by SID hash, and computes the changes of {@code readmodel/changes.sql}
 * against the states of earlier steps. Values are bound as ClickHouse query parameters.
 */
final class ReadModelStatements
{
    enum Source
    {
        SLICE, BUILD
    }

    private static final String EVENT_COLUMNS = "message_sid, account_sid, messaging_service_sid, direction, country, channel, from_address, to_address, number_type, tags, status, status_rank, error_code, event_time";
    private static final List<String> STATE_COLUMNS = List.of(
            "account_sid", "messaging_service_sid", "direction", "country", "channel", "from_address", "to_address", "number_type", "tags",
            "status", "status_rank", "status_time", "error_code", "first_event_at", "last_event_at", "queued_at", "sent_at", "delivered_at");
    private static final String PART = "cityHash64(message_sid) % {parts:UInt64} = {part:UInt64}";
    private static final String SLICE_EVENTS = "FROM status_event_log WHERE logged_at >= {slice_from:DateTime64(3, 'UTC')} AND logged_at < {slice_to:DateTime64(3, 'UTC')} AND " + PART;
    private static final String BUILD_EVENTS = "FROM status_events WHERE inserted_at < {built_before:DateTime64(3, 'UTC')}"
            + " AND received_at >= {received_from:DateTime64(3, 'UTC')} AND received_at < {received_to:DateTime64(3, 'UTC')} AND " + PART;
    // As status_event_log_mv computes it for events that arrive through the log.
    private static final String RECEIPT_TIME = "ifNull(toDateTime64(parseDateTimeOrNull(parameters['RawDlrDoneDate'], '%y%m%d%H%i', 'UTC'), 3, 'UTC'), event_time) AS receipt_time";

    private final String changes = withoutComments(resource("readmodel/changes.sql"));

    /** The days of receipt (UTC) that hold events a build reads, in epoch seconds, in order. */
    String receivedDays()
    {
        return "SELECT DISTINCT toUnixTimestamp(toStartOfDay(received_at)) AS day FROM status_events"
                + " WHERE inserted_at < {built_before:DateTime64(3, 'UTC')} ORDER BY day";
    }

    /** Distinct messages of the source: how many parts the step needs. */
    String messagesOf(Source source)
    {
        return "SELECT uniqExact(message_sid) AS messages " + events(source).replace(" AND " + PART, "");
    }

    /** The changes of one part of a step, ordered by SID, so that a retry sends the same rows. */
    String changesOf(Source source)
    {
        String events = switch (source) {
            case SLICE -> "SELECT " + EVENT_COLUMNS + ", receipt_time " + SLICE_EVENTS;
            case BUILD -> "SELECT " + EVENT_COLUMNS + ", " + RECEIPT_TIME + " " + BUILD_EVENTS;
        };
        String touched = "SELECT message_sid " + events(source);
        String previous = "SELECT state.message_sid AS message_sid, max(state.version) AS version, "
                + STATE_COLUMNS.stream().map(column -> "argMax(state.%s, state.version) AS %s".formatted(column, column)).collect(Collectors.joining(", "))
                + " FROM read_model_state AS state WHERE state.message_sid IN (" + touched + ") AND state.version < {version:UInt64} GROUP BY state.message_sid";
        return changes.replace("{events}", events).replace("{previous}", previous);
    }

    private static String events(Source source)
    {
        return switch (source) {
            case SLICE -> SLICE_EVENTS;
            case BUILD -> BUILD_EVENTS;
        };
    }

    private static String resource(String name)
    {
        try (InputStream input = ReadModelStatements.class.getClassLoader().getResourceAsStream(name)) {
            if (input == null) {
                throw new IllegalStateException(name + " is missing from the classpath");
            }
            return new String(input.readAllBytes(), StandardCharsets.UTF_8);
        }
        catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + name, e);
        }
    }

    private static String withoutComments(String sql)
    {
        return Arrays.stream(sql.split("\n"))
                .filter(line -> !line.stripLeading().startsWith("--"))
                .collect(Collectors.joining("\n"));
    }
}
