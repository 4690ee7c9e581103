package io.deliveryledger.app;

import com.clickhouse.client.api.Client;
import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import io.deliveryledger.schema.ClusterDdl;
import io.deliveryledger.schema.SchemaMigrator;
import io.deliveryledger.sink.InsertHandles;
import org.jdbi.v3.core.ConnectionException;
import org.jdbi.v3.core.Jdbi;

import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

/**
 * Where ClickHouse is: an HTTP URL (a ClickHouse server, or the local engine of
 * {@code scripts/clickhouse-local}), credentials and the ledger's database.
 */
public final class ClickHouseFactory
{
    @NotEmpty
    @Pattern(regexp = "^https?://[^/?#]+/?$", message = "must be http(s)://host:port")
    private String url = "http://127.0.0.1:8123";

    @NotNull
    private String user = "default";

    @NotNull
    private String password = "";

    @NotEmpty
    @Pattern(regexp = "^[A-Za-z_][A-Za-z0-9_]*$", message = "must be a plain identifier")
    private String database = "ledger";

    /**
     * ClickHouse's native LZ4 compression of requests and responses ({@code compress=1},
     * {@code decompress=1}). A server and the local engine both have it; off, bodies go uncompressed.
     */
    private boolean compress = true;

    /**
     * The cluster (a name of the servers' {@code remote_servers}) whose every node gets the schema, with
     * replicated tables; empty for one server, and for ClickHouse Cloud, whose databases replicate by themselves.
     */
    @NotNull
    @Pattern(regexp = "^([A-Za-z0-9_][A-Za-z0-9_.-]*)?$", message = "must be a cluster name of remote_servers, or empty")
    private String cluster = "";

    @Valid
    @NotNull
    private RetentionFactory retention = new RetentionFactory();

    @JsonProperty
    public RetentionFactory getRetention()
    {
        return retention;
    }

    @JsonProperty
    public void setRetention(RetentionFactory retention)
    {
        this.retention = retention;
    }

    @JsonProperty
    public String getUrl()
    {
        return url;
    }

    @JsonProperty
    public void setUrl(String url)
    {
        this.url = url;
    }

    @JsonProperty
    public void setUser(String user)
    {
        this.user = user == null ? "default" : user;
    }

    @JsonProperty
    public void setPassword(String password)
    {
        // An empty environment variable reads as null in YAML.
        this.password = password == null ? "" : password;
    }

    @JsonProperty
    public String getDatabase()
    {
        return database;
    }

    @JsonProperty
    public void setDatabase(String database)
    {
        this.database = database;
    }

    @JsonProperty
    public void setCompress(boolean compress)
    {
        this.compress = compress;
    }

    @JsonProperty
    public String getCluster()
    {
        return cluster;
    }

    @JsonProperty
    public void setCluster(String cluster)
    {
        // An empty environment variable reads as null in YAML.
        this.cluster = cluster == null ? "" : cluster;
    }

    /** Connects to the ledger's database. */
    public Jdbi buildDatabaseJdbi()
    {
        return Jdbi.create(jdbcUrl(database), properties());
    }

    /** Connections for inserts that may be retried: binary inserts, each connection with its own deduplication token. */
    public InsertHandles buildInsertHandles()
    {
        String url = jdbcUrl(database);
        return deduplicationToken -> {
            Properties properties = properties();
            properties.setProperty("beta.row_binary_for_simple_insert", "true");
            properties.setProperty("clickhouse_setting_insert_deduplication_token", deduplicationToken);
            // A retry after a view's insert failed must still reach that view, though the table has the block.
            properties.setProperty("clickhouse_setting_deduplicate_blocks_in_dependent_materialized_views", "1");
            try {
                return Jdbi.open(DriverManager.getConnection(url, properties));
            }
            catch (SQLException e) {
                throw new ConnectionException(e);
            }
        };
    }

    /** ClickHouse's own client, for queries whose results are streamed in ClickHouse's output formats. */
    public Client buildClient()
    {
        return clientBuilder().build();
    }

    /** The same with at most {@code maxConnections} connections, each for one request at a time. */
    public Client buildClient(int maxConnections)
    {
        return clientBuilder().setMaxConnections(maxConnections).build();
    }

    private Client.Builder clientBuilder()
    {
        return new Client.Builder()
                .addEndpoint(url)
                .setUsername(user)
                .setPassword(password)
                .setDefaultDatabase(database)
                .compressServerResponse(compress)
                .compressClientRequest(compress);
    }

    public SchemaMigrator buildMigrator()
    {
        // The server-level connection uses "default", which always exists, to create the ledger's database.
        ClusterDdl ddl = cluster.isEmpty() ? ClusterDdl.singleServer() : ClusterDdl.onCluster(cluster);
        return new SchemaMigrator(Jdbi.create(jdbcUrl("default"), properties()), buildDatabaseJdbi(), database, retention.build(), ddl, InstanceName.create());
    }

    private String jdbcUrl(String databaseName)
    {
        String base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        return "jdbc:clickhouse:" + base + "/" + databaseName + (compress ? "" : "?compress=0");
    }

    private Properties properties()
    {
        Properties properties = new Properties();
        properties.setProperty("user", user);
        properties.setProperty("password", password);
        return properties;
    }
}
