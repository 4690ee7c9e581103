package io.deliveryledger.simulator;

import io.deliveryledger.simulator.truth.TruthFile;
import io.deliveryledger.simulator.truth.TruthRecord;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

import static java.util.Objects.requireNonNull;

/** Compares a truth file with {@code message_status} in ClickHouse. */
public final class Verifier
{
    private static final int CHUNK_SIZE = 1000;

    private Verifier() {}

    /**
     * @param clickhouseUrl ClickHouse's HTTP interface ({@code http://127.0.0.1:8123}) or a full clickhouse-jdbc URL ({@code jdbc:clickhouse:...})
     */
    public static VerifyReport verify(Path truthFile, String clickhouseUrl, String database, String user, String password)
    {
        requireNonNull(truthFile, "truthFile is null");
        requireNonNull(clickhouseUrl, "clickhouseUrl is null");
        requireNonNull(database, "database is null");
        requireNonNull(user, "user is null");
        requireNonNull(password, "password is null");
        List<TruthRecord> truth = TruthFile.read(truthFile);
        Map<String, Stored> stored = new HashMap<>();
        String jdbcUrl = jdbcUrl(clickhouseUrl, database);
        Properties properties = new Properties();
        properties.setProperty("user", user);
        properties.setProperty("password", password);
        try (Connection connection = DriverManager.getConnection(jdbcUrl, properties)) {
            for (int from = 0; from < truth.size(); from += CHUNK_SIZE) {
                stored.putAll(read(connection, truth.subList(from, Math.min(truth.size(), from + CHUNK_SIZE))));
            }
        }
        catch (SQLException e) {
            throw new IllegalStateException("Cannot read message_status from %s: %s".formatted(jdbcUrl, e.getMessage()), e);
        }
        return compare(truth, stored);
    }

    private static VerifyReport compare(List<TruthRecord> truth, Map<String, Stored> stored)
    {
        int match = 0;
        int missing = 0;
        int wrong = 0;
        List<String> mismatches = new ArrayList<>();
        for (TruthRecord expected : truth) {
            Stored actual = stored.get(expected.sid());
            if (actual == null) {
                missing++;
                mismatches.add("missing " + expected.sid());
            }
            else if (!actual.status().equals(expected.status()) || !actual.errorCode().equals(expected.errorCode())) {
                wrong++;
                mismatches.add("wrong %s: expected %s got %s".formatted(expected.sid(), describe(expected.status(), expected.errorCode()),
                        describe(actual.status(), actual.errorCode())));
            }
            else {
                match++;
            }
        }
        return new VerifyReport(truth.size(), match, missing, wrong, mismatches);
    }

    private static String describe(String status, Optional<Integer> errorCode)
    {
        return errorCode.map(code -> status + " " + code).orElse(status);
    }

    private static Map<String, Stored> read(Connection connection, List<TruthRecord> chunk)
            throws SQLException
    {
        String sql = "SELECT message_sid, status, error_code FROM message_status WHERE message_sid IN (%s)"
                .formatted(String.join(", ", Collections.nCopies(chunk.size(), "?")));
        Map<String, Stored> stored = new HashMap<>();
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            for (int index = 0; index < chunk.size(); index++) {
                statement.setString(index + 1, chunk.get(index).sid());
            }
            try (ResultSet results = statement.executeQuery()) {
                while (results.next()) {
                    long errorCode = results.getLong(3);
                    Optional<Integer> code = results.wasNull() ? Optional.empty() : Optional.of((int) errorCode);
                    stored.put(results.getString(1), new Stored(results.getString(2), code));
                }
            }
        }
        return stored;
    }

    // The local engine lacks ClickHouse's LZ4 response framing (compress=1, the driver's default); a server does not need it either.
    static String jdbcUrl(String clickhouseUrl, String database)
    {
        if (clickhouseUrl.startsWith("jdbc:")) {
            return clickhouseUrl;
        }
        String base = clickhouseUrl.endsWith("/") ? clickhouseUrl.substring(0, clickhouseUrl.length() - 1) : clickhouseUrl;
        return "jdbc:clickhouse:%s/%s?compress=0".formatted(base, database);
    }

    private record Stored(String status, Optional<Integer> errorCode) {}
}
