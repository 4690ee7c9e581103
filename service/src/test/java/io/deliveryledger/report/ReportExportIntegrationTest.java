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
import java.io.InputStream;
import java.io.Reader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Exports of a million messages, each in a child JVM whose heap (24 MiB) is smaller than the file it
 * writes: the export command only passes ClickHouse's output through. Each file is read back with a
 * real reader of its format. Then exports that ClickHouse breaks off after tens of MiB, through the
 * command and through the HTTP API: a failed export, never a shorter file.
 */
final class ReportExportIntegrationTest
{
    private static final int MESSAGES = 1_000_000;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MEBIBYTE = 1024 * 1024;
    // The service's own objects take about 12 MiB; with compression the driver holds a compressed
    // block and its decompressed MiB (ClickHouse compresses up to a MiB at a time).
    private static final int HEAP_MEBIBYTES = 24;
    private static final String FAILING_DATABASE = "failing_export";

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
        createFailingDatabase();
    }

    /**
     * A ledger database whose per-message rows fail after 02:00 of the day. They come from a table
     * sorted the way exports are, so ClickHouse streams the export as it reads and fails only once
     * it has sent the first two hours (tens of MiB): as when a server hits a limit or a fault
     * part-way through a large export.
     */
    private static void createFailingDatabase()
    {
        TestingLedger.clickhouseSettings(engine, FAILING_DATABASE).buildMigrator().migrate();
        Jdbi.create(engine.jdbcUrl(FAILING_DATABASE)).useHandle(handle -> {
            handle.execute("CREATE TABLE messages_in_export_order ENGINE = MergeTree ORDER BY (first_event_at, message_sid) AS SELECT * FROM export.messages_by_minute_current");
            handle.execute("""
                    CREATE OR REPLACE VIEW messages_by_minute_current AS
                    SELECT * REPLACE (concat(status, substring(toString(throwIf(first_event_at >= '2026-11-01 02:00:00', 'injected failure')), 1, 0)) AS status)
                    FROM messages_in_export_order""");
        });
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

    @Test
    void exportThatClickHouseBreaksOffExitsNonZeroAndLeavesNoFile()
            throws Exception
    {
        Path earlierParquet = directory.resolve("broken.parquet");
        Files.writeString(earlierParquet, "an earlier export");
        for (String format : List.of("csv", "parquet")) {
            Path output = directory.resolve("broken." + format);

            ExportRun run = runExport(FAILING_DATABASE, format, output);

            assertThat(run.exitCode()).as("exit code; output:%n%s", run.output()).isNotZero();
            if (output.equals(earlierParquet)) {
                assertThat(output).as("the earlier file of that name").hasContent("an earlier export");
            }
            else {
                assertThat(output).doesNotExist();
            }
            // The driver drops ClickHouse's message when the compressed body breaks off (it reads
            // on into the next block before it returns the bytes of the last one).
            assertThat(run.output()).contains("Export failed, " + output + " not written: ClickHouse's response to query ");
            Matcher broken = Pattern.compile("broke off after (\\d+) bytes").matcher(run.output());
            assertThat(broken.find()).as(run.output()).isTrue();
            // More than ClickHouse holds back before it sends the status: the failure came mid-stream.
            assertThat(Long.parseLong(broken.group(1))).as("bytes received before ClickHouse failed").isGreaterThan(MEBIBYTE);
        }
        try (Stream<Path> files = Files.list(directory)) {
            assertThat(files.map(path -> path.getFileName().toString())).noneMatch(name -> name.endsWith(".partial"));
        }
    }

    @Test
    void downloadThatClickHouseBreaksOffFailsForTheHttpClient()
            throws Exception
    {
        try (TestingLedger ledger = new TestingLedger(engine, directory.resolve("journal"), FAILING_DATABASE).start()) {
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:%d/api/v1/reports/delivery?from=2026-11-01&to=2026-11-02&format=csv".formatted(ledger.port())))
                    .header("Authorization", "Bearer " + TestingLedger.API_TOKEN)
                    .build();

            HttpResponse<InputStream> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofInputStream());

            assertThat(response.statusCode()).as("sent before ClickHouse failed").isEqualTo(200);
            long received = 0;
            byte[] buffer = new byte[64 * 1024];
            byte[] tail = new byte[0];
            IOException broken = null;
            try (InputStream body = response.body()) {
                for (int read = body.read(buffer); read >= 0; read = body.read(buffer)) {
                    received += read;
                    tail = Arrays.copyOfRange(buffer, 0, read);
                }
            }
            catch (IOException e) {
                broken = e;
            }
            assertThat(broken).as("the download fails rather than ending as a shorter file").isNotNull();
            assertThat(received).as("bytes received before the failure").isGreaterThan(8L * MEBIBYTE);
            assertThat(new String(tail, StandardCharsets.UTF_8)).doesNotContain("__exception__").doesNotContain("DB::Exception");
        }
    }

    /** Runs {@code export} in a child JVM with a small heap; returns the file it wrote. */
    private static Path export(String format, String fileName)
            throws IOException, InterruptedException
    {
        Path output = directory.resolve(fileName);
        ExportRun run = runExport("export", format, output);
        assertThat(run.exitCode()).as("export of %s with a %d MiB heap; its output:%n%s", format, HEAP_MEBIBYTES, run.output()).isZero();
        assertThat(run.output()).contains("Exporting " + fileName);
        // Larger than the child's whole heap: the rows were never all in memory.
        assertThat(Files.size(output)).isGreaterThan((long) HEAP_MEBIBYTES * MEBIBYTE);
        return output;
    }

    private static ExportRun runExport(String database, String format, Path output)
            throws IOException, InterruptedException
    {
        Path log = output.resolveSibling(output.getFileName() + ".log");
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + HEAP_MEBIBYTES + "m",
                "-XX:+ExitOnOutOfMemoryError",
                "-Duser.timezone=UTC",
                "-Ddw.clickhouse.url=" + engine.httpUrl(),
                "-Ddw.clickhouse.database=" + database,
                "-cp", System.getProperty("java.class.path"),
                DeliveryLedgerApplication.class.getName(),
                "export", ResourceHelpers.resourceFilePath("ledger-test.yml"),
                "--from", "2026-11-01", "--to", "2026-11-02", "--format", format, "--output", output.toString()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertThat(process.waitFor(5, TimeUnit.MINUTES)).as("export finished").isTrue();
        return new ExportRun(process.exitValue(), Files.readString(log));
    }

    private record ExportRun(int exitCode, String output) {}
}
