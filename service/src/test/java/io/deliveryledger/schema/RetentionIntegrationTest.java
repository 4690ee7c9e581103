package io.deliveryledger.schema;

import io.deliveryledger.app.ClickHouseFactory;
import io.deliveryledger.app.RetentionFactory;
import io.deliveryledger.testing.TestingDatabaseExtension;
import io.dropwizard.util.Duration;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

final class RetentionIntegrationTest
{
    @RegisterExtension
    static final TestingDatabaseExtension DATABASE = new TestingDatabaseExtension("retention");

    @Test
    void expiredEventsRawParametersAndRejectedRequestsAreDeletedAndRetentionFollowsTheConfiguration()
    {
        ClickHouseFactory clickhouse = DATABASE.clickhouse();
        clickhouse.setRetention(retention(395, 90, 30));
        clickhouse.buildMigrator().migrate();
        Jdbi database = clickhouse.buildDatabaseJdbi();

        database.useHandle(handle -> {
            for (int daysAgo : List.of(400, 100, 1)) {
                handle.execute("INSERT INTO status_events (event_id, received_at, event_time, source, direction, account_sid, message_sid, status, status_rank, parameters) "
                        + "SELECT lower(hex(MD5('" + daysAgo + "'))), now64(3) - INTERVAL " + daysAgo + " DAY, now64(3) - INTERVAL " + daysAgo + " DAY, 'callback', 'outbound', "
                        + "'AC" + "1".repeat(32) + "', 'SM" + String.format("%032d", daysAgo) + "', 'sent', 3, map('To', '+15558675310')");
                handle.execute("INSERT INTO rejected_requests (received_at, endpoint, reason, detail, account_sid, message_sid, url, journal_position, parameters) "
                        + "SELECT now64(3) - INTERVAL " + daysAgo + " DAY, '/twilio/status', 'invalid_message_sid', '', '', 'days-" + daysAgo + "', '', 0, map('From', '+15017122661')");
            }
            handle.execute("OPTIMIZE TABLE status_events FINAL");
            handle.execute("OPTIMIZE TABLE rejected_requests FINAL");
        });

        Map<String, Long> events = parametersByMessage(database, "SELECT message_sid AS key, length(parameters) AS value FROM status_events");
        assertThat(events).as("events of 400 days ago are gone, raw parameters of 100 days ago emptied")
                .containsOnly(Map.entry("SM" + String.format("%032d", 100), 0L), Map.entry("SM" + String.format("%032d", 1), 1L));
        Map<String, Long> rejected = parametersByMessage(database, "SELECT message_sid AS key, length(parameters) AS value FROM rejected_requests");
        assertThat(rejected).containsOnly(Map.entry("days-1", 1L));

        // A new retention changes the tables' TTLs at the next migration, and only those that differ.
        clickhouse.setRetention(retention(500, 90, 30));
        clickhouse.buildMigrator().migrate();
        assertThat(createQuery(database, "status_events")).contains("TTL toDateTime(received_at) + toIntervalDay(500)")
                .contains("`parameters` Map(String, String) TTL toDateTime(received_at) + toIntervalDay(90)");
        assertThat(createQuery(database, "messages_by_minute")).contains("TTL toDateTime(first_seen) + toIntervalDay(500)");
        assertThat(createQuery(database, "forbidden_requests")).contains("TTL toDateTime(minute) + toIntervalDay(30)");
    }

    @Test
    void aRetentionIsWholeDays()
    {
        assertThatThrownBy(() -> new Retention(java.time.Duration.ofHours(36), java.time.Duration.ofDays(1), java.time.Duration.ofDays(1)))
                .hasMessageContaining("whole number of days");
        assertThatThrownBy(() -> new Retention(java.time.Duration.ofDays(1), java.time.Duration.ZERO, java.time.Duration.ofDays(1)))
                .hasMessageContaining("at least one");
    }

    private static RetentionFactory retention(int events, int rawParameters, int rejectedRequests)
    {
        RetentionFactory retention = new RetentionFactory();
        retention.setEvents(Duration.days(events));
        retention.setRawParameters(Duration.days(rawParameters));
        retention.setRejectedRequests(Duration.days(rejectedRequests));
        return retention;
    }

    private static Map<String, Long> parametersByMessage(Jdbi database, String sql)
    {
        return database.withHandle(handle -> handle.createQuery(sql)
                .map((row, context) -> Map.entry(row.getString("key"), row.getLong("value")))
                .collectToMap(Map.Entry::getKey, Map.Entry::getValue));
    }

    private static String createQuery(Jdbi database, String table)
    {
        return database.withHandle(handle -> handle.createQuery("SELECT create_table_query FROM system.tables WHERE database = currentDatabase() AND name = :table")
                .bind("table", table).mapTo(String.class).one());
    }
}
