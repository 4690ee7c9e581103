package io.deliveryledger.api;

import io.deliveryledger.report.DeliveryReports;
import io.deliveryledger.report.DeliveryReports.ReportBody;
import io.deliveryledger.report.ReportRequest;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import jakarta.ws.rs.core.UriInfo;

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
    public Response delivery(@Context UriInfo uriInfo)
    {
        RequestParameters parameters = RequestParameters.of(uriInfo, "groupBy", "format");
        ReportRequest request = ReportRequest.parse(parameters.filter(clock.instant()), parameters.single("groupBy"), parameters.single("format"));
        ReportBody body = reports.open(request);
        StreamingOutput output = body::writeTo;
        return Response.ok(output, request.format().contentType())
                .header(HttpHeaders.CONTENT_DISPOSITION, "attachment; filename=\"" + request.fileName() + "\"")
                .build();
    }
}
