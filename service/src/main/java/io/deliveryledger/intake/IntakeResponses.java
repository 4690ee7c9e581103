package io.deliveryledger.intake;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** The one mapping from an intake decision to an HTTP answer, shared by the webhook resources. */
final class IntakeResponses
{
    private IntakeResponses() {}

    static Response toResponse(IntakeResult result, Response accepted)
    {
        if (result instanceof IntakeResult.Forbidden forbidden) {
            return text(Response.Status.FORBIDDEN, forbidden.message());
        }
        if (result instanceof IntakeResult.Malformed malformed) {
            return text(Response.Status.BAD_REQUEST, malformed.message());
        }
        if (result instanceof IntakeResult.Unavailable unavailable) {
            return Response.status(Response.Status.SERVICE_UNAVAILABLE)
                    .header("Retry-After", Math.max(1, unavailable.retryAfter().toSeconds()))
                    .type(MediaType.TEXT_PLAIN_TYPE)
                    .entity(unavailable.message() + "\n")
                    .build();
        }
        return accepted;
    }

    private static Response text(Response.Status status, String message)
    {
        return Response.status(status).type(MediaType.TEXT_PLAIN_TYPE).entity(message + "\n").build();
    }
}
