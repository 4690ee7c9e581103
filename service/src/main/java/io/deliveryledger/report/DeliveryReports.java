package io.deliveryledger.report;

import com.clickhouse.client.api.query.QueryResponse;
import io.deliveryledger.analytics.ClickHouseQueries;
import io.deliveryledger.analytics.DeliveryStatistics;
import io.deliveryledger.analytics.Dimension;
import io.deliveryledger.analytics.MessageCounts;
import io.deliveryledger.analytics.Sql;
import io.deliveryledger.analytics.StatusCounts;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Collectors;

import static java.util.Objects.requireNonNull;

/**
 * Produces delivery reports. CSV, JSON lines and Parquet are ClickHouse's own output formats copied
 * from its response to the caller as they arrive, so memory stays constant whatever the size; HTML is
 * a summary rendered from the statistics. If ClickHouse fails part-way, writing the report throws
 * {@link IncompleteReportException} and the caller must not present what it has as a report.
 */
public final class DeliveryReports
{
    private static final String MESSAGE_COLUMNS = """
            message_sid, account_sid, messaging_service_sid, direction, from_address, to_address, country, number_type, channel,
            status, error_code, first_event_at, queued_at, sent_at, delivered_at, tags""";

    private final ClickHouseQueries queries;
    private final DeliveryStatistics statistics;

    public DeliveryReports(ClickHouseQueries queries, DeliveryStatistics statistics)
    {
        this.queries = requireNonNull(queries, "queries is null");
        this.statistics = requireNonNull(statistics, "statistics is null");
    }

    /**
     * Runs the report's queries, so that errors surface before anything is sent, and returns its body.
     * The caller must write or close it.
     */
    public ReportBody open(ReportRequest request)
    {
        if (request.format() == ReportFormat.HTML) {
            byte[] html = new HtmlReport(statistics).render(request.filter()).getBytes(StandardCharsets.UTF_8);
            return new ReportBody()
            {
                @Override
                public void writeTo(OutputStream output)
                        throws IOException
                {
                    output.write(html);
                }

                @Override
                public void close() {}
            };
        }
        QueryResponse response = queries.stream(sql(request), request.format().clickHouseFormat().orElseThrow());
        return new ReportBody()
        {
            @Override
            public void writeTo(OutputStream output)
                    throws IOException
            {
                // Closing a response that broke off fails too; that failure is added to the first one.
                try (ReportBody self = this) {
                    ClickHouseBodyCopy.copy(response.getInputStream(), output, "query " + response.getQueryId());
                }
            }

            @Override
            public void close()
                    throws IOException
            {
                try {
                    response.close();
                }
                catch (Exception e) {
                    throw new IOException("Cannot close the report's ClickHouse response", e);
                }
            }
        };
    }

    Sql sql(ReportRequest request)
    {
        List<Dimension> groupBy = request.groupBy();
        MessageCounts counts = statistics.counts(request.filter(), groupBy);
        if (groupBy.isEmpty()) {
            return counts.messages(MESSAGE_COLUMNS, "first_event_at, message_sid");
        }
        Sql counted = counts.countBy();
        Sql.Builder sql = new Sql.Builder();
        String aliases = groupBy.stream().map(Dimension::alias).collect(Collectors.joining(", "));
        sql.append("SELECT ").append(aliases).append(", sum(counted.messages) AS messages")
                .append(", sumIf(counted.messages, counted.current_status IN ").append(quoted(StatusCounts.DELIVERED)).append(") AS delivered")
                .append(", sumIf(counted.messages, counted.current_status IN ").append(quoted(StatusCounts.FAILED)).append(") AS failed")
                .append(", sumIf(counted.messages, counted.current_status IN ").append(quoted(StatusCounts.PENDING)).append(") AS pending")
                .append(", sumIf(counted.messages, counted.current_status = '").append(StatusCounts.NO_RECEIPT).append("') AS no_receipt")
                .append(" FROM (").append(counted.text()).append(") AS counted GROUP BY ").append(aliases).append(" ORDER BY ").append(aliases);
        return new Sql(sql.build().text(), counted.parameters());
    }

    /** Status names are Twilio's fixed list, never request text. */
    private static String quoted(List<String> statuses)
    {
        return statuses.stream().map(status -> "'" + status + "'").collect(Collectors.joining(", ", "(", ")"));
    }

    /** A report's content, written once. */
    public interface ReportBody
            extends AutoCloseable
    {
        /** Writes the report; throws {@link IncompleteReportException} if ClickHouse failed part-way. */
        void writeTo(OutputStream output)
                throws IOException;

        @Override
        void close()
                throws IOException;
    }
}
