package io.deliveryledger.simulator;

import io.deliveryledger.simulator.cli.SimulatorCommand;
import io.deliveryledger.testing.TestingClickHouseEngine;
import io.deliveryledger.simulator.truth.TruthFile;
import io.deliveryledger.simulator.truth.TruthRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

final class VerifierTest
{
    private static final String ACCOUNT = "AC" + "e".repeat(32);
    private static final Instant CREATED = Instant.parse("2026-01-31T12:00:00.123Z");
    private static final String DELIVERED = "SM" + "1".repeat(32);
    private static final String UNDELIVERED = "SM" + "2".repeat(32);
    private static final String CANCELED = "SM" + "3".repeat(32);
    private static final String MISSING = "SM" + "4".repeat(32);
    private static final String WRONG_STATUS = "SM" + "5".repeat(32);
    private static final String WRONG_CODE = "SM" + "6".repeat(32);

    @TempDir
    private static Path directory;
    private static TestingClickHouseEngine engine;

    @BeforeAll
    static void startEngine()
            throws SQLException
    {
        engine = new TestingClickHouseEngine(directory.resolve("clickhouse"));
        engine.start();
        try (Connection connection = DriverManager.getConnection(engine.jdbcUrl("default"));
                Statement statement = connection.createStatement()) {
            statement.execute("CREATE DATABASE ledger");
            // The columns of the service's message_status view that verify reads.
            statement.execute("CREATE TABLE ledger.message_status (message_sid String, status String, error_code Nullable(UInt32)) ENGINE = MergeTree ORDER BY message_sid");
        }
        try (Connection connection = DriverManager.getConnection(engine.jdbcUrl("ledger"));
                PreparedStatement insert = connection.prepareStatement("INSERT INTO message_status (message_sid, status, error_code) VALUES (?, ?, ?)")) {
            addRow(insert, DELIVERED, "delivered", Optional.empty());
            addRow(insert, UNDELIVERED, "undelivered", Optional.of(30003));
            addRow(insert, CANCELED, "canceled", Optional.empty());
            addRow(insert, WRONG_STATUS, "sent", Optional.empty());
            addRow(insert, WRONG_CODE, "failed", Optional.of(30007));
            addRow(insert, "SM" + "9".repeat(32), "delivered", Optional.empty());
            insert.executeBatch();
        }
    }

    @AfterAll
    static void stopEngine()
    {
        engine.close();
    }

    @Test
    void reportsMissingAndWrongMessages()
    {
        Path truth = truthFile(List.of(
                record(DELIVERED, "delivered", Optional.empty()),
                record(UNDELIVERED, "undelivered", Optional.of(30003)),
                record(CANCELED, "canceled", Optional.empty()),
                record(MISSING, "delivered", Optional.empty()),
                record(WRONG_STATUS, "delivered", Optional.empty()),
                record(WRONG_CODE, "failed", Optional.of(30008))));

        VerifyReport report = Verifier.verify(truth, engine.httpUrl(), "ledger", "default", "");

        assertThat(report.summaryLine()).isEqualTo("verify: 6 messages, 3 match, 1 missing, 2 wrong status");
        assertThat(report.mismatches()).containsExactly(
                "missing " + MISSING,
                "wrong %s: expected delivered got sent".formatted(WRONG_STATUS),
                "wrong %s: expected failed 30008 got failed 30007".formatted(WRONG_CODE));
        assertThat(report.allMatch()).isFalse();
    }

    @Test
    void commandPrintsMismatchesAndSummaryAndExitsWithOneUnlessAllMatch()
    {
        Path mismatching = truthFile(List.of(record(DELIVERED, "delivered", Optional.empty()), record(MISSING, "delivered", Optional.empty())));
        StringWriter output = new StringWriter();
        int exitCode = new CommandLine(SimulatorCommand.class).setOut(new PrintWriter(output))
                .execute("verify", "--truth", mismatching.toString(), "--clickhouse-url", engine.httpUrl());
        assertThat(exitCode).isEqualTo(1);
        assertThat(output.toString().lines()).containsExactly("missing " + MISSING, "verify: 2 messages, 1 match, 1 missing, 0 wrong status");

        Path matching = truthFile(List.of(record(DELIVERED, "delivered", Optional.empty()), record(UNDELIVERED, "undelivered", Optional.of(30003))));
        StringWriter matchingOutput = new StringWriter();
        assertThat(new CommandLine(SimulatorCommand.class).setOut(new PrintWriter(matchingOutput))
                .execute("verify", "--truth", matching.toString(), "--clickhouse-url", engine.httpUrl(), "--clickhouse-database", "ledger"))
                .isZero();
        assertThat(matchingOutput.toString().lines()).containsExactly("verify: 2 messages, 2 match, 0 missing, 0 wrong status");
    }

    @Test
    void readsTruthInChunksOfBoundParameters()
    {
        List<TruthRecord> many = new ArrayList<>();
        for (int index = 0; index < 2500; index++) {
            many.add(record("SM%032x".formatted(index + 1_000_000), "delivered", Optional.empty()));
        }
        many.add(record(DELIVERED, "delivered", Optional.empty()));
        VerifyReport report = Verifier.verify(truthFile(many), engine.httpUrl(), "ledger", "default", "");
        assertThat(report.summaryLine()).isEqualTo("verify: 2501 messages, 1 match, 2500 missing, 0 wrong status");
    }

    private static Path truthFile(List<TruthRecord> records)
    {
        Path path = directory.resolve("truth-%d.jsonl".formatted(System.nanoTime()));
        try (TruthFile truth = TruthFile.create(path)) {
            records.forEach(truth::write);
        }
        return path;
    }

    private static TruthRecord record(String sid, String status, Optional<Integer> errorCode)
    {
        return new TruthRecord(sid, ACCOUNT, status, errorCode, CREATED);
    }

    private static void addRow(PreparedStatement insert, String sid, String status, Optional<Integer> errorCode)
            throws SQLException
    {
        insert.setString(1, sid);
        insert.setString(2, status);
        if (errorCode.isPresent()) {
            insert.setLong(3, errorCode.get());
        }
        else {
            insert.setNull(3, Types.BIGINT);
        }
        insert.addBatch();
    }
}
