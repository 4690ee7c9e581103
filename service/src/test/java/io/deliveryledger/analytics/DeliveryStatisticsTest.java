package io.deliveryledger.analytics;

import com.clickhouse.client.api.Client;
import com.codahale.metrics.MetricRegistry;
import io.deliveryledger.analytics.DeliveryStatistics.Summary;
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

    @BeforeAll
    static void start()
    {
        engine = new TestingClickHouseEngine(directory.resolve("clickhouse"));
        engine.start();
        ClickHouseFactory clickhouse = TestingLedger.clickhouseSettings(engine, "statistics");
        clickhouse.buildMigrator().migrate();
        Jdbi database = clickhouse.buildDatabaseJdbi();
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
