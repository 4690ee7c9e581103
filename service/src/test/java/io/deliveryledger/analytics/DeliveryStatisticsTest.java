package io.deliveryledger.analytics;

import com.clickhouse.client.api.Client;
import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.JsonNode;
import io.deliveryledger.analytics.DeliveryStatistics.MessageTimeline;
import io.deliveryledger.analytics.DeliveryStatistics.Summary;
import io.deliveryledger.analytics.DeliveryStatistics.TimelineEvent;
import io.deliveryledger.app.ClickHouseFactory;
import io.deliveryledger.readmodel.ReadModelApplier;
import io.deliveryledger.testing.ReadModelCheck;
import io.deliveryledger.testing.TestingClickHouseEngine;
import io.deliveryledger.testing.TestingLedger;
import io.dropwizard.jackson.Jackson;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The time range selects messages by the time they were first seen, over message states whose parts
 * are not merged: each event below is its own insert, so each message's state is split across parts.
 */
final class DeliveryStatisticsTest
{
    private static final String BEFORE_THE_HOUR = "SM" + "1".repeat(32);
    private static final String AT_THE_HOUR = "SM" + "2".repeat(32);
    private static final String LAST_MILLISECOND = "SM" + "3".repeat(32);
    private static final String NEXT_HOUR = "SM" + "4".repeat(32);

    @TempDir
    static Path directory;

    private static TestingClickHouseEngine engine;
    private static Client client;
    private static ClickHouseQueries queries;
    private static DeliveryStatistics statistics;
    private static Jdbi database;

    @BeforeAll
    static void start()
    {
        engine = new TestingClickHouseEngine(directory.resolve("clickhouse"));
        engine.start();
        ClickHouseFactory clickhouse = TestingLedger.clickhouseSettings(engine, "statistics");
        clickhouse.buildMigrator().migrate();
        database = clickhouse.buildDatabaseJdbi();
        insert(database, BEFORE_THE_HOUR, "queued", 2, "NULL", "2026-11-27 09:59:00.000");
        insert(database, BEFORE_THE_HOUR, "delivered", 5, "NULL", "2026-11-27 10:05:00.000");
        insert(database, AT_THE_HOUR, "queued", 2, "NULL", "2026-11-27 10:00:00.000");
        insert(database, AT_THE_HOUR, "failed", 5, "30003", "2026-11-27 11:30:00.000");
        insert(database, LAST_MILLISECOND, "sent", 4, "NULL", "2026-11-27 10:59:59.999");
        insert(database, NEXT_HOUR, "queued", 2, "NULL", "2026-11-27 11:00:00.000");
        client = clickhouse.buildClient();
        ReadModelCheck.applyEverything(new ReadModelApplier(client, clickhouse.buildMigrator(), Jackson.newObjectMapper(), Duration.ZERO, "test", Clock.systemUTC(), new MetricRegistry()), database);
        queries = new ClickHouseQueries(client, Jackson.newObjectMapper());
        statistics = statistics(Instant.parse("2026-11-28T00:00:00Z"));
    }

    @AfterAll
    static void stop()
    {
        client.close();
        engine.close();
    }

    @Test
    void theRangeIsFirstSeenFromInclusiveToExclusive()
    {
        Summary hour = statistics.summary(filter("2026-11-27T10:00:00Z", "2026-11-27T11:00:00Z"));

        assertThat(hour.counts().byStatus()).isEqualTo(Map.of("failed", 1L, "sent", 1L));
        assertThat(hour.topErrorCodes()).extracting(DeliveryStatistics.ErrorCodeCount::errorCode).containsExactly(30003);
        assertThat(statistics.summary(filter("2026-11-27T09:00:00Z", "2026-11-27T10:00:00Z")).counts().byStatus()).isEqualTo(Map.of("delivered", 1L));
        assertThat(statistics.summary(filter("2026-11-27T11:00:00Z", "2026-11-27T12:00:00Z")).counts().byStatus()).isEqualTo(Map.of("queued", 1L));
    }

    @Test
    void aMessageIsInTheStepItWasFirstSeenIn()
    {
        List<DeliveryStatistics.TimeSeriesPoint> points = statistics.timeSeries(filter("2026-11-27T09:00:00Z", "2026-11-27T12:00:00Z"), Optional.of(Duration.ofHours(1))).points();

        assertThat(points).extracting(DeliveryStatistics.TimeSeriesPoint::time).containsExactly("2026-11-27T09:00:00Z", "2026-11-27T10:00:00Z", "2026-11-27T11:00:00Z");
        assertThat(points).extracting(point -> point.counts().byStatus()).containsExactly(Map.of("delivered", 1L), Map.of("failed", 1L, "sent", 1L), Map.of("queued", 1L));
    }

    @Test
    void aMessageStillSentAfterTheLookbackHasNoReceipt()
    {
        AnalyticsFilter day = filter("2026-11-27T00:00:00Z", "2026-11-28T00:00:00Z");

        assertThat(statistics(Instant.parse("2026-12-04T23:59:00Z")).summary(day).counts().noReceipt()).isZero();
        Summary weekLater = statistics(Instant.parse("2026-12-05T00:00:00Z")).summary(day);
        assertThat(weekLater.counts().byStatus()).isEqualTo(Map.of("delivered", 1L, "failed", 1L, "no_receipt", 1L, "queued", 1L));
        assertThat(weekLater.counts().pending()).isEqualTo(1);
        assertThat(weekLater.counts().failureRate()).isEqualTo(0.5);
    }

    @Test
    void aMessageLookupReadsTheBloomFiltersOfTheHoursItsEventsWereReceivedInOnly()
            throws Exception
    {
        String message = "SM" + "5".repeat(32);
        // Other messages: one insert (one part) per month, each over many hours, so their SIDs cannot
        // rule a part out by the table's key.
        for (String month : List.of("2026-07-01", "2026-08-01", "2026-09-01", "2026-10-01")) {
            database.useHandle(handle -> handle.execute("""
                    INSERT INTO status_events (event_id, received_at, event_time, source, direction, account_sid, message_sid, status, status_rank,
                        from_address, to_address, tags, parameters, country, number_type, channel)
                    SELECT lower(hex(MD5(concat('%1$s', toString(number))))), toDateTime64('%1$s', 3, 'UTC') + toIntervalHour(number * 7) AS received,
                        received, 'callback', 'outbound', 'AC11111111111111111111111111111111', concat('SM', lower(hex(MD5(concat('%1$s', toString(number)))))),
                        'delivered', 5, '+15017122661', '+447400123456', map(), map(), 'GB', 'mobile', 'sms'
                    FROM numbers(80)""".formatted(month)));
        }
        // Sent at the end of August, delivered after midnight, and its final state fetched by reconciliation
        // two days later: three receipts in two partitions.
        insert(database, message, "sent", 4, "NULL", "2026-08-31 23:59:00.000");
        insert(database, message, "delivered", 5, "NULL", "2026-09-01 00:01:00.000");
        insert(database, message, "read", 6, "NULL", "2026-09-03 08:00:00.000");

        MessageTimeline found = statistics.message(message).orElseThrow();

        assertThat(found.events()).extracting(TimelineEvent::status).containsExactly("sent", "delivered", "read");
        JsonNode state = queries.rows(new Sql("SELECT toUnixTimestamp64Milli(first_received_at) AS first, toUnixTimestamp64Milli(last_received_at) AS last "
                + "FROM message_status WHERE message_sid = {sid:String}", Map.of("sid", message))).get(0);
        assertThat(Instant.ofEpochMilli(state.get("first").asLong())).isEqualTo(Instant.parse("2026-08-31T23:59:00Z"));
        assertThat(Instant.ofEpochMilli(state.get("last").asLong())).isEqualTo(Instant.parse("2026-09-03T08:00:00Z"));
        int bounded = partsWhoseBloomFilterIsRead(DeliveryStatistics.eventsOf(message, state.get("first").asLong(), state.get("last").asLong()));
        int bySidAlone = partsWhoseBloomFilterIsRead(DeliveryStatistics.eventsOf(message, 0, 0));
        long inTheSpansMonths = database.withHandle(handle -> handle.createQuery("""
                SELECT count() FROM system.parts WHERE database = currentDatabase() AND table = 'status_events' AND active AND partition IN ('202608', '202609')""")
                .mapTo(Long.class).one());
        long all = database.withHandle(handle -> handle.createQuery("""
                SELECT count() FROM system.parts WHERE database = currentDatabase() AND table = 'status_events' AND active""").mapTo(Long.class).one());
        assertThat(bounded).as("parts of August and September only").isBetween(1, (int) inTheSpansMonths);
        assertThat(bySidAlone).as("by its SID alone, a lookup reads the filters of other months too").isGreaterThan((int) inTheSpansMonths).isLessThanOrEqualTo((int) all);
    }

    @Test
    void aMessageStoredBeforeItsReceiptsWereKeptIsFoundByItsSidAlone()
    {
        String message = "SM" + "6".repeat(32);
        insert(database, message, "sent", 4, "NULL", "2026-10-20 10:00:00.000");
        insert(database, message, "delivered", 5, "NULL", "2026-10-21 10:00:00.000");
        // Its state as the view wrote it before schema V009: no receipt times, so their default (1970).
        database.useHandle(handle -> {
            handle.execute("ALTER TABLE message_state DELETE WHERE message_sid = '%s' SETTINGS mutations_sync = 1".formatted(message));
            handle.execute("""
                    INSERT INTO message_state (message_sid, account_sid, current, first_event_at, last_event_at, event_count)
                    SELECT message_sid, max(toString(account_sid)), argMaxState(tuple(toString(status), error_code), tuple(status_rank, event_time)),
                        min(event_time), max(event_time), count()
                    FROM status_events WHERE message_sid = '%s' GROUP BY message_sid""".formatted(message));
        });

        MessageTimeline found = statistics.message(message).orElseThrow();

        assertThat(found.status()).isEqualTo("delivered");
        assertThat(found.events()).extracting(TimelineEvent::status).containsExactly("sent", "delivered");
    }

    /** The parts whose {@code message_sid} bloom filter the statement consults, from ClickHouse's plan of it. */
    private static int partsWhoseBloomFilterIsRead(Sql statement)
            throws Exception
    {
        JsonNode plan = Jackson.newObjectMapper().readTree(queries.rows(new Sql("EXPLAIN json = 1, indexes = 1 " + statement.text(), statement.parameters()))
                .get(0).get("explain").asText());
        List<JsonNode> filters = plan.findParents("Name").stream().filter(index -> index.get("Name").asText().equals("message_sid_bloom")).toList();
        assertThat(filters).as("the bloom filter step of %s", plan).hasSize(1);
        return filters.get(0).get("Initial Parts").asInt();
    }

    private static DeliveryStatistics statistics(Instant now)
    {
        return new DeliveryStatistics(queries, Jackson.newObjectMapper(), Duration.ofDays(7), Clock.fixed(now, ZoneOffset.UTC));
    }

    private static AnalyticsFilter filter(String from, String to)
    {
        return new AnalyticsFilter(Instant.parse(from), Instant.parse(to), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Map.of());
    }

    private static void insert(Jdbi database, String messageSid, String status, int rank, String errorCode, String time)
    {
        database.useHandle(handle -> handle.execute("""
                INSERT INTO status_events (event_id, received_at, event_time, source, direction, account_sid, message_sid, status, status_rank,
                    error_code, from_address, to_address, tags, parameters, country, number_type, channel)
                VALUES (lower(hex(MD5(concat('%1$s', '%2$s')))), '%5$s', '%5$s', 'callback', 'outbound', 'AC11111111111111111111111111111111', '%1$s',
                    '%2$s', %3$d, %4$s, '+15017122661', '+447400123456', map(), map(), 'GB', 'mobile', 'sms')"""
                .formatted(messageSid, status, rank, errorCode, time)));
    }
}
