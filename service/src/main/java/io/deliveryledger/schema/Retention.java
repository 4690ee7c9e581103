package io.deliveryledger.schema;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * How long ClickHouse keeps what the ledger stores, in whole days. ClickHouse deletes expired rows
 * (and expired raw parameters) in the background, by TTL; {@link SchemaMigrator} sets the TTLs after
 * the migrations and changes them when the configuration does.
 *
 * @param events events, and everything derived from them per message or per time: message states, the
 *        read model, per-minute rollups, reconciliation checks and runs
 * @param rawParameters the parameters of events and rejected requests as Twilio sent them (addresses,
 *        bodies); the typed columns of an event stay for {@code events}
 * @param rejectedRequests rejected requests and the counts of forbidden ones
 */
public record Retention(Duration events, Duration rawParameters, Duration rejectedRequests)
{
    public Retention
    {
        for (Duration duration : List.of(requireNonNull(events, "events is null"), requireNonNull(rawParameters, "rawParameters is null"), requireNonNull(rejectedRequests, "rejectedRequests is null"))) {
            if (duration.toDays() < 1 || !duration.equals(Duration.ofDays(duration.toDays()))) {
                throw new IllegalArgumentException("A retention must be a whole number of days, at least one: " + duration);
            }
        }
    }

    /** Every TTL the ledger's tables get, each on the time column that says when its row is old. */
    List<TimeToLive> timesToLive()
    {
        return List.of(
                table("status_events", "received_at", events),
                column("status_events", "parameters", "Map(String, String)", "received_at", rawParameters),
                table("message_state", "last_event_at", events),
                table("events_per_minute", "minute", events),
                table("reconciliation_runs", "started_at", events),
                table("reconcile_checks", "checked_at", events),
                table("read_model_state", "last_event_at", events),
                table("status_counts", "time", events),
                table("sender_counts", "time", events),
                table("tag_counts", "time", events),
                table("latency_histograms", "time", events),
                table("messages_by_minute", "first_seen", events),
                table("pending_messages", "first_seen", events),
                table("rejected_requests", "received_at", rejectedRequests),
                column("rejected_requests", "parameters", "Map(String, String)", "received_at", rawParameters),
                table("forbidden_requests", "minute", rejectedRequests));
    }

    private static TimeToLive table(String table, String timeColumn, Duration retention)
    {
        return new TimeToLive(table, Optional.empty(), timeColumn, retention.toDays());
    }

    private static TimeToLive column(String table, String column, String type, String timeColumn, Duration retention)
    {
        return new TimeToLive(table, Optional.of(new Column(column, type)), timeColumn, retention.toDays());
    }

    record Column(String name, String type) {}

    /** A table's TTL, or one column's when {@code column} is present. */
    record TimeToLive(String table, Optional<Column> column, String timeColumn, long days)
    {
        /** As ClickHouse shows it in {@code system.tables.create_table_query}, so that it can be compared. */
        String definition()
        {
            String expression = "TTL toDateTime(" + timeColumn + ") + toIntervalDay(" + days + ")";
            return column.map(value -> "`" + value.name() + "` " + value.type() + " " + expression).orElse(expression);
        }

        String alter()
        {
            String expression = "toDateTime(" + timeColumn + ") + toIntervalDay(" + days + ")";
            return column.map(value -> "ALTER TABLE " + table + " MODIFY COLUMN " + value.name() + " TTL " + expression)
                    .orElse("ALTER TABLE " + table + " MODIFY TTL " + expression);
        }
    }
}
