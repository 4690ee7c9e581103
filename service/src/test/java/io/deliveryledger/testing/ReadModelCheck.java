package io.deliveryledger.testing;

import io.deliveryledger.readmodel.ReadModelApplier;
import org.jdbi.v3.core.Jdbi;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Compares the read model with an exact recomputation from the per-message truth, {@code message_status}:
 * every count at every granularity, every latency bucket, every message's current row. Each check
 * counts the keys whose numbers differ, so 0 everywhere means equal.
 */
public final class ReadModelCheck
{
    private static final String GRANULARITIES = "ARRAY JOIN ['minute', 'hour', 'day'] AS g";
    private static final String TIME = "toDateTime(multiIf(g = 'minute', toStartOfMinute(first_event_at), g = 'hour', toStartOfHour(first_event_at), toStartOfDay(first_event_at)), 'UTC')";
    private static final String BUCKET = "toUInt64(" + latencyBucket("value") + ")";

    private static final Map<String, String> CHECKS = checks();

    private ReadModelCheck() {}

    /** The latency bucket of {@code milliseconds} (an expression): two significant digits, rounded down. */
    public static String latencyBucket(String milliseconds)
    {
        return "intDiv(%1$s, intExp10(greatest(length(toString(%1$s)) - 2, 0))) * intExp10(greatest(length(toString(%1$s)) - 2, 0))".formatted(milliseconds);
    }

    /** Applies until every event logged so far is counted. */
    public static void applyEverything(ReadModelApplier applier, Jdbi database)
    {
        Instant logged = Instant.ofEpochMilli(database.withHandle(handle -> handle.createQuery("SELECT toUnixTimestamp64Milli(max(logged_at)) FROM status_event_log").mapTo(Long.class).one()));
        for (int attempt = 0; attempt < 150; attempt++) {
            applier.applyAvailable();
            if (applier.appliedThrough().orElseThrow().isAfter(logged)) {
                return;
            }
            try {
                Thread.sleep(200);
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new AssertionError("The read model did not reach " + logged);
    }

    /** For each check, how many keys differ. */
    public static Map<String, Long> differences(Jdbi database)
    {
        Map<String, Long> differences = new LinkedHashMap<>();
        CHECKS.forEach((name, sql) -> differences.put(name, database.withHandle(handle -> handle.createQuery(sql).mapTo(Long.class).one())));
        return differences;
    }

    private static Map<String, String> checks()
    {
        Map<String, String> checks = new LinkedHashMap<>();
        checks.put("status_counts", """
                SELECT count() FROM (
                    SELECT g, t, account_sid, messaging_service_sid, direction, country, channel, status, error_code, sum(n) AS n FROM (
                        SELECT toString(granularity) AS g, time AS t, toString(account_sid) AS account_sid, toString(messaging_service_sid) AS messaging_service_sid,
                            toString(direction) AS direction, toString(country) AS country, toString(channel) AS channel, toString(status) AS status, error_code, messages AS n
                        FROM status_counts
                        UNION ALL
                        SELECT g, %s AS t, account_sid, messaging_service_sid, direction, country, channel, status, ifNull(error_code, 0) AS error_code, toInt64(-1) AS n
                        FROM message_status %s
                    )
                    GROUP BY ALL
                    HAVING n != 0
                )""".formatted(TIME, GRANULARITIES));
        checks.put("sender_counts", """
                SELECT count() FROM (
                    SELECT g, t, account_sid, messaging_service_sid, direction, country, channel, from_address, status, sum(n) AS n FROM (
                        SELECT toString(granularity) AS g, time AS t, toString(account_sid) AS account_sid, toString(messaging_service_sid) AS messaging_service_sid,
                            toString(direction) AS direction, toString(country) AS country, toString(channel) AS channel, from_address, toString(status) AS status, messages AS n
                        FROM sender_counts
                        UNION ALL
                        SELECT g, %s AS t, account_sid, messaging_service_sid, direction, country, channel, from_address, status, toInt64(-1) AS n
                        FROM message_status %s
                    )
                    GROUP BY ALL
                    HAVING n != 0
                )""".formatted(TIME, GRANULARITIES));
        checks.put("tag_counts", """
                SELECT count() FROM (
                    SELECT g, t, account_sid, direction, tag_key, tag_value, status, error_code, sum(n) AS n FROM (
                        SELECT toString(granularity) AS g, time AS t, toString(account_sid) AS account_sid, toString(direction) AS direction,
                            toString(tag_key) AS tag_key, tag_value, toString(status) AS status, error_code, messages AS n
                        FROM tag_counts
                        UNION ALL
                        SELECT g, %s AS t, account_sid, direction, tag_key, tag_value, status, ifNull(error_code, 0) AS error_code, toInt64(-1) AS n
                        FROM message_status
                        ARRAY JOIN mapKeys(tags) AS tag_key, mapValues(tags) AS tag_value
                        %s
                    )
                    GROUP BY ALL
                    HAVING n != 0
                )""".formatted(TIME, GRANULARITIES));
        checks.put("latency_histograms", """
                SELECT count() FROM (
                    SELECT g, t, latency, account_sid, messaging_service_sid, direction, country, channel, bucket, sum(n) AS n FROM (
                        SELECT toString(granularity) AS g, time AS t, toString(latency) AS latency, toString(account_sid) AS account_sid,
                            toString(messaging_service_sid) AS messaging_service_sid, toString(direction) AS direction, toString(country) AS country,
                            toString(channel) AS channel, bucket, messages AS n
                        FROM latency_histograms
                        UNION ALL
                        SELECT g, %s AS t, toString(point.1) AS latency, account_sid, messaging_service_sid, direction, country, channel,
                            %s AS bucket, toInt64(-1) AS n
                        FROM
                        (
                            SELECT *, point, assumeNotNull(point.2) AS value FROM message_status
                            ARRAY JOIN arrayFilter(p -> p.2 IS NOT NULL, [
                                ('queued_to_sent', if(queued_at IS NULL OR sent_at IS NULL, NULL, greatest(0, toUnixTimestamp64Milli(assumeNotNull(sent_at)) - toUnixTimestamp64Milli(assumeNotNull(queued_at))))),
                                ('sent_to_delivered', if(sent_at IS NULL OR delivered_at IS NULL, NULL, greatest(0, toUnixTimestamp64Milli(assumeNotNull(delivered_at)) - toUnixTimestamp64Milli(assumeNotNull(sent_at)))))
                            ]) AS point
                        )
                        %s
                    )
                    GROUP BY ALL
                    HAVING n != 0
                )""".formatted(TIME, BUCKET, GRANULARITIES));
        checks.put("messages_by_minute", """
                SELECT count()
                FROM (SELECT * FROM messages_by_minute_current) AS current
                FULL OUTER JOIN (SELECT * FROM message_status) AS truth ON truth.message_sid = current.message_sid
                WHERE current.message_sid = '' OR truth.message_sid = ''
                    OR current.first_seen != toStartOfMinute(truth.first_event_at)
                    OR toString((current.account_sid, current.messaging_service_sid, current.direction, current.country, current.channel, current.from_address,
                            current.to_address, current.number_type, current.tags, current.status, current.error_code, current.first_event_at, current.last_event_at,
                            current.queued_at, current.sent_at, current.delivered_at))
                        != toString((truth.account_sid, truth.messaging_service_sid, truth.direction, truth.country, truth.channel, truth.from_address,
                            truth.to_address, truth.number_type, truth.tags, truth.status, truth.error_code, truth.first_event_at, truth.last_event_at,
                            truth.queued_at, truth.sent_at, truth.delivered_at))""");
        checks.put("pending_messages", """
                SELECT count()
                FROM (SELECT * FROM pending_messages_current) AS current
                FULL OUTER JOIN (SELECT * FROM message_status WHERE status IN ('accepted', 'scheduled', 'queued', 'sending', 'receiving', 'sent')) AS truth
                    ON truth.message_sid = current.message_sid
                WHERE current.message_sid = '' OR truth.message_sid = ''
                    OR current.first_seen != toStartOfMinute(truth.first_event_at)
                    OR toString((current.account_sid, current.direction, current.status, current.first_event_at, current.last_event_at))
                        != toString((truth.account_sid, truth.direction, truth.status, truth.first_event_at, truth.last_event_at))""");
        return checks;
    }
}
