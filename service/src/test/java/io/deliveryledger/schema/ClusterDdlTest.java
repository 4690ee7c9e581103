package io.deliveryledger.schema;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.deliveryledger.testing.TestingEngineExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The cluster form of the schema, statement by statement against the single-server form. The local
 * engine has no Keeper, so Replicated engines and ON CLUSTER cannot run here; its parser (ClickHouse
 * 26.7's) takes them, and {@code formatQuery} gives both forms in ClickHouse's own normalised text,
 * which must be the same but for ON CLUSTER, the engine's replication arguments and the name of the
 * deduplication window: same columns, indexes, keys, partitions, TTLs and view queries.
 */
final class ClusterDdlTest
{
    private static final String CLUSTER = "ledger_cluster";
    private static final Pattern CREATED_TABLE = Pattern.compile("^CREATE TABLE IF NOT EXISTS (\\w+)");
    private static final Pattern ENGINE_CLAUSE = Pattern.compile("\\nENGINE = `?(\\w+)`?(\\(.*\\))?(\\n|$)");
    private static final Pattern MATERIALIZED_VIEW_TARGET = Pattern.compile("^CREATE MATERIALIZED VIEW IF NOT EXISTS \\w+ ON CLUSTER " + CLUSTER + " TO (\\w+)");

    private final ClusterDdl ddl = ClusterDdl.onCluster(CLUSTER);
    @RegisterExtension
    static final TestingEngineExtension ENGINE = new TestingEngineExtension();

    @Test
    void everyStatementOfTheSchemaHasTheSameColumnsKeysAndQueriesOnTheCluster()
            throws Exception
    {
        int statements = 0;
        for (String resource : SchemaMigrator.resources()) {
            for (String single : SchemaMigrator.statements(resource)) {
                String cluster = ddl.apply(single);
                if (single.startsWith("INSERT")) {
                    assertThat(cluster).as("an insert is replicated by its table").isEqualTo(single);
                    continue;
                }
                String formattedSingle = formatQuery(single);
                String formattedCluster = formatQuery(cluster);
                assertThat(formattedCluster.lines().findFirst().orElseThrow()).as(resource).contains(" ON CLUSTER " + CLUSTER);
                assertThat(singleServerForm(formattedCluster)).as("%s:%n%s", resource, cluster).isEqualTo(formattedSingle);
                statements++;
            }
        }
        assertThat(statements).as("DDL statements of the bookkeeping and the migrations").isGreaterThan(40);
    }

    @Test
    void everyMergeTreeTableIsReplicatedAndEveryMaterializedViewWritesIntoAReplicatedOrNullTable()
            throws Exception
    {
        Map<String, String> singleEngines = new LinkedHashMap<>();
        Map<String, String> clusterEngines = new LinkedHashMap<>();
        List<String> viewTargets = new ArrayList<>();
        for (String resource : SchemaMigrator.resources()) {
            for (String single : SchemaMigrator.statements(resource)) {
                if (single.startsWith("INSERT")) {
                    continue;
                }
                String formattedSingle = formatQuery(single);
                String formattedCluster = formatQuery(ddl.apply(single));
                Matcher table = CREATED_TABLE.matcher(formattedSingle);
                if (table.find()) {
                    singleEngines.put(table.group(1), engine(formattedSingle));
                    clusterEngines.put(table.group(1), engine(formattedCluster));
                }
                Matcher view = MATERIALIZED_VIEW_TARGET.matcher(formattedCluster);
                if (view.find()) {
                    viewTargets.add(view.group(1));
                }
            }
        }

        assertThat(clusterEngines).containsEntry("status_events", "ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')")
                .containsEntry("message_state", "ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')")
                .containsEntry("reconcile_checks", "ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', checked_at)")
                .containsEntry("messages_by_minute", "ReplicatedVersionedCollapsingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', sign, version)")
                .containsEntry("forbidden_requests", "ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')")
                .containsEntry("schema_migrations", "ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')")
                .containsEntry("schema_migration_claims", "ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')")
                .containsEntry("read_model_changes", "Null")
                .containsEntry("read_model_deltas", "Null");
        singleEngines.forEach((table, single) -> {
            if (single.contains("MergeTree")) {
                assertThat(clusterEngines.get(table)).as(table).startsWith("Replicated" + single.replaceFirst("\\(.*", "") + "('/clickhouse/tables/");
            }
            else {
                assertThat(clusterEngines.get(table)).as(table).isEqualTo(single);
            }
        });
        assertThat(viewTargets).as("materialized views").hasSizeGreaterThanOrEqualTo(9)
                .allSatisfy(target -> assertThat(clusterEngines.get(target)).as(target).matches("Replicated\\w*MergeTree\\(.*|Null"));
    }

    @Test
    void retentionAltersRunOnEveryNode()
            throws Exception
    {
        Retention retention = new Retention(java.time.Duration.ofDays(395), java.time.Duration.ofDays(90), java.time.Duration.ofDays(90));
        for (Retention.TimeToLive timeToLive : retention.timesToLive()) {
            String cluster = ddl.apply(timeToLive.alter());
            assertThat(formatQuery(cluster)).startsWith("ALTER TABLE " + timeToLive.table() + " ON CLUSTER " + CLUSTER + "\n");
            assertThat(singleServerForm(formatQuery(cluster))).isEqualTo(formatQuery(timeToLive.alter()));
        }
    }

    @Test
    void aSingleServerRunsTheStatementsAsWritten()
    {
        ClusterDdl single = ClusterDdl.singleServer();
        for (String resource : SchemaMigrator.resources()) {
            for (String statement : SchemaMigrator.statements(resource)) {
                assertThat(single.apply(statement)).isSameAs(statement);
            }
        }
        assertThat(single.cluster()).isEmpty();
    }

    @Test
    void aStatementWithoutAClusterFormIsRefusedRatherThanRunOnOneNode()
    {
        assertThatThrownBy(() -> ddl.apply("RENAME TABLE a TO b")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("RENAME TABLE a TO b");
        assertThatThrownBy(() -> ddl.apply("EXCHANGE TABLES a AND b")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ClusterDdl.onCluster("x' SETTINGS a = 1 --")).isInstanceOf(IllegalArgumentException.class);
        assertThat(ddl.apply("CREATE DATABASE IF NOT EXISTS `ledger`")).isEqualTo("CREATE DATABASE IF NOT EXISTS `ledger` ON CLUSTER '" + CLUSTER + "'");
        assertThat(ddl.apply("TRUNCATE TABLE IF EXISTS ledger.status_counts")).isEqualTo("TRUNCATE TABLE IF EXISTS ledger.status_counts ON CLUSTER '" + CLUSTER + "'");
    }

    /** Undoes, in ClickHouse's normalised text, what the cluster form adds. */
    private static String singleServerForm(String formattedCluster)
    {
        return formattedCluster.replaceFirst(" ON CLUSTER " + CLUSTER, "")
                .replaceAll("ENGINE = Replicated(\\w*MergeTree)\\('/clickhouse/tables/\\{shard}/\\{database}/\\{table}', '\\{replica}'(, )?", "ENGINE = $1(")
                .replaceAll("ENGINE = (\\w*MergeTree)\\(\\)", "ENGINE = $1")
                .replaceAll("\\breplicated_deduplication_window", "non_replicated_deduplication_window");
    }

    private static String engine(String formatted)
    {
        Matcher engine = ENGINE_CLAUSE.matcher(formatted);
        assertThat(engine.find()).as(formatted).isTrue();
        return engine.group(1) + (engine.group(2) == null ? "" : engine.group(2));
    }

    private String formatQuery(String statement)
            throws IOException, InterruptedException
    {
        String literal = "'" + statement.replace("\\", "\\\\").replace("'", "\\'") + "'";
        HttpRequest request = HttpRequest.newBuilder(URI.create(ENGINE.engine().httpUrl() + "/"))
                .POST(HttpRequest.BodyPublishers.ofString("SELECT formatQuery(" + literal + ") FORMAT JSONEachRow"))
                .build();
        HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("%s%n%s", statement, response.body()).isEqualTo(200);
        return new ObjectMapper().readTree(response.body()).elements().next().asText();
    }
}
