package io.deliveryledger.analytics;

import io.deliveryledger.analytics.FirstSeenRange.Granularity;
import io.deliveryledger.analytics.FirstSeenRange.Piece;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static java.util.Objects.requireNonNull;

/**
 * Queries of the read model for the messages first seen in a filter's range, from the first table
 * that has every filter and key: {@code status_counts} (account, messaging service, direction,
 * country, channel, status, error code), {@code sender_counts} (the same by sender, without error
 * code), {@code tag_counts} (by one StatusCallback tag key: account, direction, status, error code),
 * and only for other combinations the range's per-message rows
 * ({@code messages_by_minute_current}). Either way the cost follows the range and the values shown,
 * never the history.
 *
 * <p>A message still {@code sent} whose first-seen day began before {@code noReceiptBefore} (the
 * reconciliation lookback, rounded down to a day so that day rows split cleanly) is counted as
 * {@value #NO_RECEIPT}: Twilio will not tell more, and reconciliation no longer asks.
 */
public final class MessageCounts
{
    static final String NO_RECEIPT = "no_receipt";
    /** Two significant digits, rounded down, as latency_histograms_mv buckets a latency in milliseconds. */
    static final String LATENCY_BUCKET = "intDiv(%1$s, intExp10(greatest(length(toString(%1$s)) - 2, 0))) * intExp10(greatest(length(toString(%1$s)) - 2, 0))";
    private static final DateTimeFormatter MINUTE = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

    /** Where counts come from: each count table with the keys and filters it can serve. */
    private enum Table
    {
        STATUS_COUNTS("status_counts", Set.of("status", "error_code", "country", "channel", "account", "messaging_service", "direction"), true, false),
        SENDER_COUNTS("sender_counts", Set.of("from", "status", "country", "channel", "account", "messaging_service", "direction"), true, false),
        // A message counts under each of its tags: only questions about one tag key can be answered here.
        TAG_COUNTS("tag_counts", Set.of("status", "error_code", "account", "direction"), false, true),
        MESSAGES("messages_by_minute_current", Set.of(), true, true);

        private final String tableName;
        private final Set<String> keys;
        private final boolean hasServiceCountryAndChannel;
        private final boolean byOneTag;

        Table(String tableName, Set<String> keys, boolean hasServiceCountryAndChannel, boolean byOneTag)
        {
            this.tableName = tableName;
            this.keys = keys;
            this.hasServiceCountryAndChannel = hasServiceCountryAndChannel;
            this.byOneTag = byOneTag;
        }

        boolean serves(AnalyticsFilter filter, List<Dimension> grouped)
        {
            Set<String> tagKeys = new HashSet<>(filter.tags().keySet());
            grouped.stream().flatMap(key -> key.tagKey().stream()).forEach(tagKeys::add);
            boolean tagsServed = byOneTag ? tagKeys.size() == 1 : tagKeys.isEmpty();
            boolean filtersServed = hasServiceCountryAndChannel
                    || (filter.messagingServiceSid().isEmpty() && filter.country().isEmpty() && filter.channel().isEmpty());
            return tagsServed && filtersServed && grouped.stream().allMatch(key -> key.tagKey().isPresent() || keys.contains(key.name()));
        }
    }

    private final AnalyticsFilter filter;
    private final List<Dimension> keys;
    private final FirstSeenRange range;
    private final Table table;
    private final List<Granularity> granularities;
    private final Instant noReceiptBefore;

    /**
     * @param keys what {@link #countBy()} groups by: with the filter, they choose the table
     */
    MessageCounts(AnalyticsFilter filter, List<Dimension> keys, Instant noReceiptBefore)
    {
        this.filter = requireNonNull(filter, "filter is null");
        this.keys = List.copyOf(keys);
        this.noReceiptBefore = requireNonNull(noReceiptBefore, "noReceiptBefore is null");
        this.range = FirstSeenRange.covering(filter.from(), filter.to());
        this.table = choose(filter, keys);
        this.granularities = Arrays.stream(Granularity.values())
                .filter(granularity -> keys.stream().flatMap(key -> key.bucket().stream()).allMatch(granularity::divides))
                .toList();
    }

    private static Table choose(AnalyticsFilter filter, List<Dimension> keys)
    {
        // Time buckets are columns of every table.
        List<Dimension> grouped = keys.stream().filter(key -> !key.isTime()).toList();
        return Stream.of(Table.STATUS_COUNTS, Table.SENDER_COUNTS, Table.TAG_COUNTS)
                .filter(table -> table.serves(filter, grouped))
                .findFirst()
                .orElse(Table.MESSAGES);
    }

    public FirstSeenRange range()
    {
        return range;
    }

    /** {@code SELECT <keys>, current_status, messages}: messages by current status (and {@value #NO_RECEIPT}) and keys. */
    public Sql countBy()
    {
        Sql.Builder sql = new Sql.Builder().append("SELECT ");
        for (Dimension key : keys) {
            sql.append(expression(key, sql)).append(" AS ").append(key.alias()).append(", ");
        }
        String time = table == Table.MESSAGES ? "first_seen" : "time";
        sql.append("if(status = 'sent' AND ").append(time).append(" < ").append(sql.bind(MINUTE.format(noReceiptBefore), "DateTime('UTC')"))
                .append(", '").append(NO_RECEIPT).append("', toString(status)) AS current_status, ")
                .append(table == Table.MESSAGES ? "count()" : "sum(messages)").append(" AS messages FROM ").append(table.tableName);
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

    /**
     * {@code SELECT latency, messages, percentiles}: nearest-rank p50, p90, p99 of each latency, from the
     * buckets' counts (latency_histograms, or the range's messages when a tag filters them).
     */
    Sql latencyPercentiles()
    {
        Sql.Builder sql = new Sql.Builder();
        sql.append("SELECT latency, sum(n) AS messages, quantilesExactWeighted(0.5, 0.9, 0.99)(bucket, toUInt64(n)) AS percentiles FROM (");
        if (table == Table.STATUS_COUNTS) {
            sql.append("SELECT toString(latency) AS latency, bucket, sum(messages) AS n FROM latency_histograms");
            appendCountsWhere(sql, List.of());
        }
        else {
            sql.append("SELECT point.1 AS latency, ").append(LATENCY_BUCKET.formatted("assumeNotNull(point.2)"))
                    .append(" AS bucket, count() AS n FROM messages_by_minute_current ARRAY JOIN arrayFilter(p -> p.2 IS NOT NULL, [")
                    .append("('queued_to_sent', if(queued_at IS NULL OR sent_at IS NULL, NULL, greatest(0, toUnixTimestamp64Milli(assumeNotNull(sent_at)) - toUnixTimestamp64Milli(assumeNotNull(queued_at))))), ")
                    .append("('sent_to_delivered', if(sent_at IS NULL OR delivered_at IS NULL, NULL, greatest(0, toUnixTimestamp64Milli(assumeNotNull(delivered_at)) - toUnixTimestamp64Milli(assumeNotNull(sent_at)))))")
                    .append("]) AS point");
            appendPerMessageWhere(sql);
        }
        return sql.append(" GROUP BY latency, bucket HAVING n > 0) GROUP BY latency").build();
    }

    private String expression(Dimension key, Sql.Builder sql)
    {
        if (table == Table.MESSAGES) {
            return key.expression(sql);
        }
        return key.tagKey().isPresent() ? "tag_value" : key.countsExpression().orElseThrow();
    }

    private void appendWhere(Sql.Builder sql)
    {
        if (table == Table.MESSAGES) {
            appendPerMessageWhere(sql);
            return;
        }
        appendCountsWhere(sql, keys);
    }

    private void appendCountsWhere(Sql.Builder sql, List<Dimension> keys)
    {
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
        if (table == Table.TAG_COUNTS) {
            keys.stream().flatMap(key -> key.tagKey().stream()).findFirst()
                    .or(() -> filter.tags().keySet().stream().findFirst())
                    .ifPresent(tagKey -> sql.append(" AND tag_key = ").append(sql.bind(tagKey, "String")));
            filter.tags().values().forEach(value -> sql.append(" AND tag_value = ").append(sql.bind(value, "String")));
        }
        appendDimensionFilters(sql);
    }

    private void appendPerMessageWhere(Sql.Builder sql)
    {
        sql.append(" WHERE first_seen >= ").append(sql.bind(MINUTE.format(range.from()), "DateTime('UTC')"))
                .append(" AND first_seen < ").append(sql.bind(MINUTE.format(range.to()), "DateTime('UTC')"));
        appendDimensionFilters(sql);
        filter.tags().forEach((key, value) -> sql.append(" AND tags[").append(sql.bind(key, "String")).append("] = ").append(sql.bind(value, "String")));
    }

    /** Account, messaging service, country and channel: the table chosen has those the filter sets. */
    private void appendDimensionFilters(Sql.Builder sql)
    {
        filter.accountSid().ifPresent(value -> sql.append(" AND account_sid = ").append(sql.bind(value, "String")));
        filter.messagingServiceSid().ifPresent(value -> sql.append(" AND messaging_service_sid = ").append(sql.bind(value, "String")));
        filter.country().ifPresent(value -> sql.append(" AND country = ").append(sql.bind(value, "String")));
        filter.channel().ifPresent(value -> sql.append(" AND channel = ").append(sql.bind(value, "String")));
    }

    /** The time-series bucket of {@code step} as a key, in epoch seconds. */
    static Dimension timeBucket(Duration step)
    {
        String function = "toUnixTimestamp(toStartOfInterval(%s, toIntervalSecond(" + step.toSeconds() + ")))";
        return new Dimension("bucket", function.formatted("first_event_at"), Optional.of(function.formatted("time")), Optional.of(step), Optional.empty());
    }
}
