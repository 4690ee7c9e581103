package io.deliveryledger.schema;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static java.util.Objects.requireNonNull;

/**
 * The form each statement of the ledger's schema takes on a ClickHouse cluster: DDL runs {@code ON CLUSTER}
 * (on every node, through the cluster's distributed DDL queue), {@code *MergeTree} engines become their
 * {@code Replicated*MergeTree} twins with the same arguments after the Keeper path and replica name, and
 * a deduplication window of a table is kept, as the replicated one. Null engines and views stay as they
 * are but exist on every node: a materialized view fires on the node that receives the insert and writes
 * into replicated tables, so its rows reach every replica once. Inserts are left alone (a replicated
 * table replicates them). Without a cluster name (one server, or ClickHouse Cloud, whose databases
 * replicate by themselves) every statement stays as written.
 */
public final class ClusterDdl
{
    /** Where each replicated table keeps its replication log in Keeper, from the servers' macros. */
    static final String KEEPER_PATH = "/clickhouse/tables/{shard}/{database}/{table}";
    static final String REPLICA_NAME = "{replica}";

    private static final Pattern CLUSTER_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]*");
    // The statement's head up to the object's name, after which ON CLUSTER goes.
    private static final Pattern DDL_HEAD = Pattern.compile(
            "^(?:CREATE\\s+(?:OR\\s+REPLACE\\s+)?(?:DATABASE|TABLE|(?:MATERIALIZED\\s+)?VIEW)\\s+(?:IF\\s+NOT\\s+EXISTS\\s+)?"
                    + "|ALTER\\s+TABLE\\s+"
                    + "|(?:DROP|TRUNCATE)\\s+(?:TABLE|VIEW|DATABASE)\\s+(?:IF\\s+EXISTS\\s+)?)"
                    + "(?:`[^`]+`|[A-Za-z_][A-Za-z0-9_]*)(?:\\.(?:`[^`]+`|[A-Za-z_][A-Za-z0-9_]*))?",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern UNCHANGED = Pattern.compile("^(?:INSERT|SELECT)\\s", Pattern.CASE_INSENSITIVE);
    private static final Pattern MERGE_TREE_ENGINE = Pattern.compile(
            "\\bENGINE\\s*=\\s*((?:Replacing|Summing|Aggregating|Collapsing|VersionedCollapsing)?MergeTree)\\b(\\s*\\()?");
    private static final Pattern DEDUPLICATION_WINDOW = Pattern.compile("\\bnon_replicated_deduplication_window\\b");

    private final Optional<String> cluster;

    private ClusterDdl(Optional<String> cluster)
    {
        this.cluster = requireNonNull(cluster, "cluster is null");
    }

    /** Statements as written: one server, or a database that replicates by itself. */
    public static ClusterDdl singleServer()
    {
        return new ClusterDdl(Optional.empty());
    }

    /** Statements for the nodes of {@code cluster}, a name of the servers' {@code remote_servers}. */
    public static ClusterDdl onCluster(String cluster)
    {
        requireNonNull(cluster, "cluster is null");
        if (!CLUSTER_NAME.matcher(cluster).matches()) {
            throw new IllegalArgumentException("A cluster name is letters, digits, '_', '.' and '-': " + cluster);
        }
        return new ClusterDdl(Optional.of(cluster));
    }

    public Optional<String> cluster()
    {
        return cluster;
    }

    /** The statement as it runs here; refuses a statement it cannot place on the cluster. */
    public String apply(String statement)
    {
        requireNonNull(statement, "statement is null");
        if (cluster.isEmpty() || UNCHANGED.matcher(statement).find()) {
            return statement;
        }
        Matcher head = DDL_HEAD.matcher(statement);
        if (!head.find()) {
            // Run on one node only, it would leave the replicas' schemas apart.
            throw new IllegalArgumentException("No cluster form for this statement: " + statement);
        }
        String onCluster = statement.substring(0, head.end()) + " ON CLUSTER '" + cluster.get() + "'" + statement.substring(head.end());
        return DEDUPLICATION_WINDOW.matcher(replicatedEngine(onCluster)).replaceAll("replicated_deduplication_window");
    }

    private static String replicatedEngine(String statement)
    {
        Matcher engine = MERGE_TREE_ENGINE.matcher(statement);
        if (!engine.find()) {
            return statement;
        }
        String replication = "'" + KEEPER_PATH + "', '" + REPLICA_NAME + "'";
        String replicated = "ENGINE = Replicated" + engine.group(1) + "(" + replication;
        if (engine.group(2) == null) {
            return statement.substring(0, engine.start()) + replicated + ")" + statement.substring(engine.end());
        }
        // The engine's own arguments follow the replication's: "(" stays, "" for none, ", " before some.
        boolean noArguments = statement.substring(engine.end()).stripLeading().startsWith(")");
        return statement.substring(0, engine.start()) + replicated + (noArguments ? "" : ", ") + statement.substring(engine.end());
    }
}
