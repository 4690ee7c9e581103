package io.deliveryledger.analytics;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.query.QueryResponse;
import com.clickhouse.client.api.query.QuerySettings;
import com.clickhouse.data.ClickHouseFormat;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;

import static java.util.Objects.requireNonNull;

/**
 * Runs analytics queries through ClickHouse's client: small results as JSON rows, large ones as a
 * stream in one of ClickHouse's own output formats, never held in memory whole.
 */
public final class ClickHouseQueries
{
    private final Client client;
    private final ObjectMapper objectMapper;

    public ClickHouseQueries(Client client, ObjectMapper objectMapper)
    {
        this.client = requireNonNull(client, "client is null");
        this.objectMapper = requireNonNull(objectMapper, "objectMapper is null");
    }

    /** The rows of a query whose result is small (statistics, one message's events). */
    public List<JsonNode> rows(Sql sql)
    {
        List<JsonNode> rows = new ArrayList<>();
        QueryResponse response = stream(sql, ClickHouseFormat.JSONEachRow);
        try (response; BufferedReader reader = new BufferedReader(new InputStreamReader(response.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                if (!line.isBlank()) {
                    rows.add(objectMapper.readTree(line));
                }
            }
            return rows;
        }
        catch (IOException e) {
            throw new UncheckedIOException("Cannot read the result of: " + sql.text(), e);
        }
        catch (Exception e) {
            // QueryResponse.close() declares Exception.
            throw new IllegalStateException("Cannot close the result of: " + sql.text(), e);
        }
    }

    /**
     * The query's result in {@code format}, read as it arrives; the caller closes the response. ClickHouse
     * writes the format, so the service only copies bytes.
     */
    public QueryResponse stream(Sql sql, ClickHouseFormat format)
    {
        QuerySettings settings = new QuerySettings().setFormat(format);
        try {
            return client.query(sql.text(), sql.parameters(), settings).get();
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while querying ClickHouse", e);
        }
        catch (ExecutionException e) {
            throw new IllegalStateException("ClickHouse query failed: " + e.getCause().getMessage(), e.getCause());
        }
    }
}
