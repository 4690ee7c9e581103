package io.deliveryledger.report;

import com.clickhouse.client.api.Client;
import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.deliveryledger.app.ClickHouseFactory;
import io.deliveryledger.app.DeliveryLedgerApplication;
import io.deliveryledger.readmodel.ReadModelApplier;
import io.deliveryledger.testing.ReadModelCheck;
import io.deliveryledger.testing.TestingClickHouseEngine;
import io.deliveryledger.testing.TestingLedger;
import io.dropwizard.testing.ResourceHelpers;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Exports of a million messages, each in a child JVM whose heap (16 MiB) is smaller than the file it
 * writes: the export command only passes ClickHouse's output through. Each file is read back with a
 * real reader of its format.
 */
final class ReportExportIntegrationTest
{
    private static final int MESSAGES = 1_000_000;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int HEAP_MEBIBYTES = 16;

    @TempDir
    static Path directory;

    private static TestingClickHouseEngine engine;

    @BeforeAll
    static void start()
    {
        engine = new TestingClickHouseEngine(directory.resolve("clickhouse"));
        engine.start();
        ClickHouseFactory clickhouse = TestingLedger.clickhouseSettings(engine, "export");
        clickhouse.buildMigrator().migrate();
        // One event per message, a quarter of each outcome, over the first day of November.
        Jdbi.create(engine.jdbcUrl("export")).useHandle(handle -> handle.execute("""
                INSERT INTO status_events (event_id, received_at, event_time, source, direction, account_sid, message_sid, messaging_service_sid,
                    status, status_rank, error_code, from_address, to_address, api_version, idempotency_token, journal_position, tags, parameters,
                    country, number_type, channel)
                SELECT
                    lower(hex(MD5(toString(number)))),
                    toDateTime64('2026-11-01 00:00:00', 3, 'UTC') + toIntervalMillisecond(number * 86),
                    toDateTime64('2026-11-01 00:00:00', 3, 'UTC') + toIntervalMillisecond(number * 86),
                    'callback', 'outbound', 'AC11111111111111111111111111111111',
                    concat('SM', lower(hex(MD5(concat('message', toString(number)))))), '',
                    ['delivered', 'undelivered', 'failed', 'sent'][number % 4 + 1],
                    [5, 5, 5, 4][number % 4 + 1],
                    if(number % 4 IN (1, 2), 30003, NULL),
                    '+15017122661', concat('+4474001', leftPad(toString(number % 100000), 5, '0')), '2010-04-01', '', number,
                    map('campaign', 'bulk'), map(),
                    'GB', 'mobile', 'sms'
                FROM numbers(""" + MESSAGES + ")"));
        try (Client client = clickhouse.buildClient()) {
            ReadModelCheck.applyEverything(new ReadModelApplier(client, clickhouse.buildMigrator(), new ObjectMapper(), Duration.ZERO, "test", Clock.systemUTC(), new MetricRegistry()),
                    Jdbi.create(engine.jdbcUrl("export")));
        }
    }

    @AfterAll
    static void stop()
    {
        if (engine != null) {
            engine.close();
        }
    }

    @Test
    void csvExportStreamsAMillionRows()
            throws Exception
    {
        Path file = export("csv", "report.csv");

        long rows = 0;
        long delivered = 0;
        long wellFormedSids = 0;
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8);
                CSVParser parser = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get().parse(reader)) {
            assertThat(parser.getHeaderNames()).startsWith("message_sid", "account_sid", "messaging_service_sid");
            for (CSVRecord record : parser) {
                rows++;
                delivered += record.get("status").equals("delivered") ? 1 : 0;
                wellFormedSids += record.get("message_sid").matches("SM[0-9a-f]{32}") ? 1 : 0;
            }
        }
        assertThat(rows).isEqualTo(MESSAGES);
        assertThat(delivered).isEqualTo(MESSAGES / 4);
        assertThat(wellFormedSids).isEqualTo(MESSAGES);
    }

    @Test
    void jsonExportStreamsAMillionLines()
            throws Exception
    {
        Path file = export("json", "report.jsonl");

        long lines = 0;
        long failed = 0;
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                JsonNode row = JSON.readTree(line);
                lines++;
                failed += row.get("status").asText().equals("failed") && row.get("error_code").asInt() == 30003 ? 1 : 0;
            }
        }
        assertThat(lines).isEqualTo(MESSAGES);
        assertThat(failed).isEqualTo(MESSAGES / 4);
    }

    @Test
    void parquetExportReadsBackWithDuckDb()
            throws Exception
    {
        Path file = export("parquet", "report.parquet");

        try (Connection duckdb = DriverManager.getConnection("jdbc:duckdb:");
                Statement statement = duckdb.createStatement();
                ResultSet rows = statement.executeQuery("SELECT count(*), count(DISTINCT message_sid), count(*) FILTER (WHERE status = 'failed'), count(error_code) FROM read_parquet('" + file + "')")) {
            assertThat(rows.next()).isTrue();
            assertThat(rows.getLong(1)).isEqualTo(MESSAGES);
            assertThat(rows.getLong(2)).isEqualTo(MESSAGES);
            assertThat(rows.getLong(3)).isEqualTo(MESSAGES / 4);
            assertThat(rows.getLong(4)).isEqualTo(MESSAGES / 2);
        }
    }

    /** Runs {@code export} in a child JVM with a small heap; returns the file it wrote. */
    private static Path export(String format, String fileName)
            throws IOException, InterruptedException
    {
        Path output = directory.resolve(fileName);
        Path log = directory.resolve(fileName + ".log");
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + HEAP_MEBIBYTES + "m",
                "-XX:+ExitOnOutOfMemoryError",
                "-Duser.timezone=UTC",
                "-Ddw.clickhouse.url=" + engine.httpUrl(),
                "-Ddw.clickhouse.database=export",
                "-cp", System.getProperty("java.class.path"),
                DeliveryLedgerApplication.class.getName(),
                "export", ResourceHelpers.resourceFilePath("ledger-test.yml"),
                "--from", "2026-11-01", "--to", "2026-11-02", "--format", format, "--output", output.toString()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertThat(process.waitFor(5, TimeUnit.MINUTES)).as("export finished").isTrue();
        assertThat(process.exitValue()).as("export of %s with a %d MiB heap; its output:%n%s", format, HEAP_MEBIBYTES, Files.readString(log)).isZero();
        assertThat(Files.readString(log)).contains("Exporting " + fileName);
        // Larger than the child's whole heap: the rows were never all in memory.
        assertThat(Files.size(output)).isGreaterThan(3L * HEAP_MEBIBYTES * 1024 * 1024 / 2);
        return output;
    }
}
