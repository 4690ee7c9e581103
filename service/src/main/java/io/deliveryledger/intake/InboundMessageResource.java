package io.deliveryledger.intake;

import io.deliveryledger.intake.Webhook.WebhookKind;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

import static java.util.Objects.requireNonNull;

/** Twilio's incoming-message webhook, by POST or GET (Twilio lets the sender choose). Answers empty TwiML: no reply. */
@Path("/twilio/inbound")
public final class InboundMessageResource
{
    private static final String EMPTY_TWIML = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>";

    private final WebhookRequestReader requestReader;
    private final WebhookIntake intake;

    public InboundMessageResource(WebhookRequestReader requestReader, WebhookIntake intake)
    {
        this.requestReader = requireNonNull(requestReader, "requestReader is null");
        this.intake = requireNonNull(intake, "intake is null");
    }

    @POST
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response receivePost(@Context UriInfo uri, @Context HttpHeaders headers, MultivaluedMap<String, String> form)
    {
        return answer(intake.receive(requestReader.fromForm(WebhookKind.INBOUND_MESSAGE, uri, headers, form)));
    }

    @GET
    public Response receiveGet(@Context UriInfo uri, @Context HttpHeaders headers)
    {
        return answer(intake.receive(requestReader.fromQuery(WebhookKind.INBOUND_MESSAGE, uri, headers)));
    }

    private static Response answer(IntakeResult result)
    {
        return IntakeResponses.toResponse(result, Response.ok(EMPTY_TWIML, MediaType.TEXT_XML_TYPE).build());
    }
}
