package io.deliveryledger.app;

import io.deliveryledger.testing.TestingClickHouseEngine;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docker/clickhouse-users.sh, which docker-compose runs to create the service's and Grafana's users.
 * The local engine refuses access-control statements (it has no user storage), but its parser takes
 * them: each statement must parse as ClickHouse 26.7 parses it ({@code EXPLAIN AST}), passwords with
 * quotes and backslashes included, and grant no more than the database to each user.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class ClickHouseUsersScriptTest
{
    private static final Path SCRIPT = Path.of(System.getProperty("ledger.repository.root", "..")).resolve("docker").resolve("clickhouse-users.sh");
    private static final Map<String, String> PASSWORDS = Map.of("CLICKHOUSE_LEDGER_PASSWORD", "it's a \\ secret", "CLICKHOUSE_GRAFANA_PASSWORD", "read'only");

    private TestingClickHouseEngine engine;

    @BeforeAll
    void startEngine(@TempDir Path directory)
    {
        engine = new TestingClickHouseEngine(directory.resolve("clickhouse"));
        engine.start();
    }

    @AfterAll
    void stopEngine()
    {
        if (engine != null) {
            engine.close();
        }
    }

    @Test
    void everyStatementParses()
            throws Exception
    {
        List<String> statements = statements(Map.of("CLICKHOUSE_DATABASE", "deliveries"));

        assertThat(statements).hasSize(8);
        for (String statement : statements) {
            HttpResponse<String> explained = engine("EXPLAIN AST " + statement);
            assertThat(explained.statusCode()).as("%s%n%s", statement, explained.body()).isEqualTo(200);
        }
        assertThat(engine("EXPLAIN AST GRANT SELEKT ON deliveries.* TO grafana").statusCode()).as("the parse check itself").isNotEqualTo(200);
    }

    @Test
    void eachUserGetsItsDatabaseOnlyAndGrafanaOnlyReads()
            throws Exception
    {
        List<String> grants = statements(Map.of()).stream().filter(statement -> statement.startsWith("GRANT")).toList();

        assertThat(grants).containsExactly(
                "GRANT SELECT, INSERT, ALTER, CREATE DATABASE, CREATE TABLE, CREATE VIEW, DROP TABLE, DROP VIEW, TRUNCATE, OPTIMIZE, SHOW ON `ledger`.* TO ledger",
                "GRANT SELECT ON `ledger`.* TO grafana");
        assertThat(statements(Map.of())).filteredOn(statement -> statement.contains("grafana_limits SETTINGS"))
                .allMatch(statement -> statement.contains("readonly = 2") && statement.contains("max_memory_usage = 1000000000 MAX 1000000000") && statement.contains("max_execution_time = 60 MAX 60"));
    }

    @Test
    void aDatabaseNameThatIsNoPlainIdentifierIsRefused()
            throws Exception
    {
        Process process = script(Map.of("CLICKHOUSE_DATABASE", "ledger`; DROP USER default; --"));

        assertThat(process.waitFor()).isEqualTo(2);
        assertThat(new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8)).contains("CLICKHOUSE_DATABASE must be a plain identifier");
    }

    private List<String> statements(Map<String, String> environment)
            throws IOException, InterruptedException
    {
        Process process = script(environment);
        String printed = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor()).as(new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8)).isZero();
        return Arrays.stream(printed.split(";\n")).map(String::strip).filter(statement -> !statement.isEmpty()).toList();
    }

    private Process script(Map<String, String> environment)
            throws IOException
    {
        ProcessBuilder builder = new ProcessBuilder("bash", SCRIPT.toString(), "--print");
        builder.environment().remove("CLICKHOUSE_DATABASE");
        builder.environment().putAll(PASSWORDS);
        builder.environment().putAll(environment);
        return builder.start();
    }

    private HttpResponse<String> engine(String sql)
            throws IOException, InterruptedException
    {
        HttpRequest request = HttpRequest.newBuilder(URI.create(engine.httpUrl() + "/")).POST(HttpRequest.BodyPublishers.ofString(sql)).build();
        return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
    }
}
