package io.deliveryledger.intake;

import io.deliveryledger.intake.Webhook.WebhookKind;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

import static java.util.Objects.requireNonNull;

/** Twilio's message status callbacks: 200 with an empty body once the callback is durable. */
@Path("/twilio/status")
public final class StatusCallbackResource
{
    private final WebhookRequestReader requestReader;
    private final WebhookIntake intake;

    public StatusCallbackResource(WebhookRequestReader requestReader, WebhookIntake intake)
    {
        this.requestReader = requireNonNull(requestReader, "requestReader is null");
        this.intake = requireNonNull(intake, "intake is null");
    }

    @POST
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response receive(@Context UriInfo uri, @Context HttpHeaders headers, MultivaluedMap<String, String> form)
    {
        IntakeResult result = intake.receive(requestReader.fromForm(WebhookKind.STATUS_CALLBACK, uri, headers, form));
        return IntakeResponses.toResponse(result, Response.ok().build());
    }
}
