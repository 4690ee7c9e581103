package io.deliveryledger.analytics;

import io.deliveryledger.analytics.FirstSeenRange.Granularity;
import io.deliveryledger.analytics.FirstSeenRange.Piece;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

import static java.util.Objects.requireNonNull;

/**
 * Queries of the read model for the messages first seen in a filter's range: from {@code status_counts}
 * and {@code latency_histograms} when every filter and key is one of their dimensions, else from the
 * range's per-message rows ({@code messages_by_minute_current}: tags, senders, number types). Either way
 * the cost follows the range, never the history.
 *
 * <p>A message still {@code sent} whose first-seen day began before {@code noReceiptBefore} (the
 * reconciliation lookback, rounded down to a day so that day rows split cleanly) is counted as
 * {@value #NO_RECEIPT}: Twilio will not tell more, and reconciliation no longer asks.
 */
public final class MessageCounts
{
    static final String NO_RECEIPT = "no_receipt";
    /** Two significant digits, rounded down, as latency_histograms_mv buckets a latency {@code v} in milliseconds. */
    static final String LATENCY_BUCKET = "intDiv(%1$s, intExp10(greatest(length(toString(%1$s)) - 2, 0))) * intExp10(greatest(length(toString(%1$s)) - 2, 0))";
    private static final DateTimeFormatter MINUTE = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

    private final AnalyticsFilter filter;
    private final FirstSeenRange range;
    private final boolean perMessage;
    private final List<Granularity> granularities;
    private final Instant noReceiptBefore;

    /**
     * @param keys what the counts will be grouped by (all of them must be countable for the counts table to serve)
     */
    MessageCounts(AnalyticsFilter filter, List<Dimension> keys, Instant noReceiptBefore)
    {
        this.filter = requireNonNull(filter, "filter is null");
        this.noReceiptBefore = requireNonNull(noReceiptBefore, "noReceiptBefore is null");
        this.range = FirstSeenRange.covering(filter.from(), filter.to());
        this.perMessage = !filter.tags().isEmpty() || keys.stream().anyMatch(key -> key.countsExpression().isEmpty());
        this.granularities = Arrays.stream(Granularity.values())
                .filter(granularity -> keys.stream().flatMap(key -> key.bucket().stream()).allMatch(granularity::divides))
                .toList();
    }

    public FirstSeenRange range()
    {
        return range;
    }

    /** {@code SELECT <keys>, status, messages}: messages by current status (and {@value #NO_RECEIPT}) and keys. */
    public Sql countBy(List<Dimension> keys)
    {
        Sql.Builder sql = new Sql.Builder().append("SELECT ");
        for (Dimension key : keys) {
            sql.append(expression(key, sql)).append(" AS ").append(key.alias()).append(", ");
        }
        String time = perMessage ? "first_seen" : "time";
        sql.append("if(status = 'sent' AND ").append(time).append(" < ").append(sql.bind(MINUTE.format(noReceiptBefore), "DateTime('UTC')"))
                .append(", '").append(NO_RECEIPT).append("', toString(status)) AS current_status, ")
                .append(perMessage ? "count()" : "sum(messages)").append(" AS messages FROM ").append(perMessage ? "messages_by_minute_current" : "status_counts");
        appendWhere(sql);
        sql.append(" GROUP BY ");
        for (Dimension key : keys) {
            sql.append(key.alias()).append(", ");
        }
        return sql.append("current_status HAVING messages != 0").build();
    }

    /** {@code SELECT <columns>}: the range's messages, one row each (all columns of messages_by_minute_current but first_seen). */
    public Sql messages(String columns, String orderBy)
    {
        Sql.Builder sql = new Sql.Builder().append("SELECT ").append(columns).append(" FROM messages_by_minute_current");
        appendPerMessageWhere(sql);
        return sql.append(" ORDER BY ").append(orderBy).build();
    }

    /** {@code SELECT latency, messages, percentiles}: p50, p90, p99 of each latency, from the buckets' counts. */
    Sql latencyPercentiles()
    {
        Sql.Builder sql = new Sql.Builder();
        sql.append("SELECT latency, sum(n) AS messages, quantilesExactWeighted(0.5, 0.9, 0.99)(bucket, toUInt64(n)) AS percentiles FROM (");
        if (perMessage) {
            sql.append("SELECT point.1 AS latency, ").append(LATENCY_BUCKET.formatted("assumeNotNull(point.2)"))
                    .append(" AS bucket, count() AS n FROM messages_by_minute_current ARRAY JOIN arrayFilter(p -> p.2 IS NOT NULL, [")
                    .append("('queued_to_sent', if(queued_at IS NULL OR sent_at IS NULL, NULL, greatest(0, toUnixTimestamp64Milli(assumeNotNull(sent_at)) - toUnixTimestamp64Milli(assumeNotNull(queued_at))))), ")
                    .append("('sent_to_delivered', if(sent_at IS NULL OR delivered_at IS NULL, NULL, greatest(0, toUnixTimestamp64Milli(assumeNotNull(delivered_at)) - toUnixTimestamp64Milli(assumeNotNull(sent_at)))))")
                    .append("]) AS point");
        }
        else {
            sql.append("SELECT toString(latency) AS latency, bucket, sum(messages) AS n FROM latency_histograms");
        }
        appendWhere(sql);
        return sql.append(" GROUP BY latency, bucket HAVING n > 0) GROUP BY latency").build();
    }

    private String expression(Dimension key, Sql.Builder sql)
    {
        if (perMessage) {
            return key.expression(sql);
        }
        return key.countsExpression().orElseThrow();
    }

    private void appendWhere(Sql.Builder sql)
    {
        if (perMessage) {
            appendPerMessageWhere(sql);
            return;
        }
        List<Piece> pieces = range.pieces(granularities);
        if (pieces.isEmpty()) {
            sql.append(" WHERE 0");
            return;
        }
        sql.append(" WHERE (").append(pieces.stream()
                .map(piece -> "(granularity = '%s' AND time >= %s AND time < %s)".formatted(
                        piece.granularity().columnValue(),
                        sql.bind(MINUTE.format(piece.from()), "DateTime('UTC')"),
                        sql.bind(MINUTE.format(piece.to()), "DateTime('UTC')")))
                .collect(Collectors.joining(" OR "))).append(")");
        appendFilters(sql);
    }

    private void appendPerMessageWhere(Sql.Builder sql)
    {
        sql.append(" WHERE first_seen >= ").append(sql.bind(MINUTE.format(range.from()), "DateTime('UTC')"))
                .append(" AND first_seen < ").append(sql.bind(MINUTE.format(range.to()), "DateTime('UTC')"));
        appendFilters(sql);
    }

    private void appendFilters(Sql.Builder sql)
    {
        filter.accountSid().ifPresent(value -> sql.append(" AND account_sid = ").append(sql.bind(value, "String")));
        filter.messagingServiceSid().ifPresent(value -> sql.append(" AND messaging_service_sid = ").append(sql.bind(value, "String")));
        filter.country().ifPresent(value -> sql.append(" AND country = ").append(sql.bind(value, "String")));
        filter.channel().ifPresent(value -> sql.append(" AND channel = ").append(sql.bind(value, "String")));
        filter.tags().forEach((key, value) -> sql.append(" AND tags[").append(sql.bind(key, "String")).append("] = ").append(sql.bind(value, "String")));
    }

    /** The time-series bucket of {@code step} as a key, in epoch seconds. */
    static Dimension timeBucket(Duration step)
    {
        String function = "toUnixTimestamp(toStartOfInterval(%s, toIntervalSecond(" + step.toSeconds() + ")))";
        return new Dimension("bucket", function.formatted("first_event_at"), Optional.of(function.formatted("time")), Optional.of(step), Optional.empty());
    }
}
