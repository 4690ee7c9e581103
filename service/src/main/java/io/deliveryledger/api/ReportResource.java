package io.deliveryledger.api;

import io.deliveryledger.report.DeliveryReports;
import io.deliveryledger.report.DeliveryReports.ReportBody;
import io.deliveryledger.report.IncompleteReportException;
import io.deliveryledger.report.ReportRequest;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import jakarta.ws.rs.core.UriInfo;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;

import java.time.Clock;

import static java.util.Objects.requireNonNull;

/** {@code GET /api/v1/reports/delivery}: a delivery report, streamed as it is produced. */
@Path("/api/v1/reports")
public final class ReportResource
{
    private final DeliveryReports reports;
    private final Clock clock;

    public ReportResource(DeliveryReports reports, Clock clock)
    {
        this.reports = requireNonNull(reports, "reports is null");
        this.clock = requireNonNull(clock, "clock is null");
    }

    @GET
    @Path("delivery")
    public Response delivery(@Context UriInfo uriInfo, @Context HttpServletRequest servletRequest, @Context HttpServletResponse servletResponse)
    {
        RequestParameters parameters = RequestParameters.of(uriInfo, "groupBy", "format");
        ReportRequest request = ReportRequest.parse(parameters.filter(clock.instant()), parameters.single("groupBy"), parameters.single("format"));
        ReportBody body = reports.open(request);
        StreamingOutput output = destination -> {
            try {
                body.writeTo(destination);
            }
            catch (IncompleteReportException e) {
                abortIfCommitted(servletRequest, servletResponse, e);
                throw e;
            }
        };
        return Response.ok(output, request.format().contentType())
                .header(HttpHeaders.CONTENT_DISPOSITION, "attachment; filename=\"" + request.fileName() + "\"")
                .build();
    }

    /**
     * Once the status and the first bytes have gone out, Jersey ends a response whose entity failed
     * as if it were complete, so the client would keep a shorter report as the whole of it. Aborting
     * the exchange cuts the connection instead (no final chunk), and every HTTP client reports the
     * download as failed. Before that, Jersey answers with an error status itself.
     */
    private static void abortIfCommitted(HttpServletRequest servletRequest, HttpServletResponse servletResponse, IncompleteReportException failure)
    {
        if (servletResponse.isCommitted()) {
            ServletContextRequest.getServletContextRequest(servletRequest).getServletChannel().abort(failure);
        }
    }
}
