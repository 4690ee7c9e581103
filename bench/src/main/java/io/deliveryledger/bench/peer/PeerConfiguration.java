package io.deliveryledger.bench.peer;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.dropwizard.core.Configuration;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;

import java.util.Properties;

/** bench/run writes one of these per peer: the design, where ClickHouse is, and the Twilio auth token. */
public final class PeerConfiguration
        extends Configuration
{
    @NotNull
    private InsertMode mode;

    /** ClickHouse's HTTP interface, e.g. {@code http://127.0.0.1:8123}. */
    @NotEmpty
    private String clickhouseUrl;

    @NotEmpty
    private String authToken;

    @JsonProperty
    public InsertMode getMode()
    {
        return mode;
    }

    @JsonProperty
    public void setMode(InsertMode mode)
    {
        this.mode = mode;
    }

    @JsonProperty
    public String getClickhouseUrl()
    {
        return clickhouseUrl;
    }

    @JsonProperty
    public void setClickhouseUrl(String clickhouseUrl)
    {
        this.clickhouseUrl = clickhouseUrl;
    }

    @JsonProperty
    public String getAuthToken()
    {
        return authToken;
    }

    @JsonProperty
    public void setAuthToken(String authToken)
    {
        this.authToken = authToken;
    }

    /**
     * Pooled connections with HikariCP's defaults (up to 10), as a user would have them: clickhouse-jdbc
     * 0.10.0 builds a new client for each connection, which without a pool cost 110-160 ms per callback
     * here. The caller closes it.
     */
    public HikariDataSource buildDataSource()
    {
        HikariConfig pool = new HikariConfig();
        pool.setPoolName("clickhouse-" + mode.configName());
        pool.setJdbcUrl(jdbcUrl());
        pool.setDataSourceProperties(connectionProperties());
        return new HikariDataSource(pool);
    }

    /** The server's default database: the design's own database may not exist yet when it connects. */
    private String jdbcUrl()
    {
        String base = clickhouseUrl.endsWith("/") ? clickhouseUrl.substring(0, clickhouseUrl.length() - 1) : clickhouseUrl;
        return "jdbc:clickhouse:" + base + "/default";
    }

    /** The design's ClickHouse settings, as clickhouse-jdbc takes them: one property per setting. */
    private Properties connectionProperties()
    {
        Properties properties = new Properties();
        properties.setProperty("user", "default");
        properties.setProperty("password", "");
        mode.settings().forEach((name, value) -> properties.setProperty("clickhouse_setting_" + name, value));
        return properties;
    }
}
