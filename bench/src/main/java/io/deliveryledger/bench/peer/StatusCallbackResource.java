package io.deliveryledger.bench.peer;

import com.codahale.metrics.Meter;
import com.twilio.security.RequestValidator;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * Twilio's status callback as a user would take it: check the signature, INSERT, answer 200 only once
 * the INSERT has returned, so a callback Twilio sees acknowledged is in ClickHouse.
 */
@Path("/twilio/status")
public final class StatusCallbackResource
{
    private final RequestValidator validator;
    private final CallbackTable table;
    private final Meter accepted;
    private final Meter insertFailures;
    private final Clock clock;

    public StatusCallbackResource(RequestValidator validator, CallbackTable table, Meter accepted, Meter insertFailures, Clock clock)
    {
        this.validator = requireNonNull(validator, "validator is null");
        this.table = requireNonNull(table, "table is null");
        this.accepted = requireNonNull(accepted, "accepted is null");
        this.insertFailures = requireNonNull(insertFailures, "insertFailures is null");
        this.clock = requireNonNull(clock, "clock is null");
    }

    @POST
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response receive(@Context UriInfo uriInfo, @HeaderParam("X-Twilio-Signature") String signature, MultivaluedMap<String, String> form)
    {
        Map<String, String> parameters = new HashMap<>();
        form.forEach((name, values) -> parameters.put(name, values.isEmpty() ? "" : values.get(0)));
        // Twilio signs the URL it called; behind no proxy that is the URL this request came in on.
        if (signature == null || !validator.validate(uriInfo.getRequestUri().toString(), parameters, signature)) {
            return Response.status(Response.Status.FORBIDDEN).build();
        }
        Optional<StatusCallback> callback = StatusCallback.of(parameters, clock.instant());
        if (callback.isEmpty()) {
            return Response.status(Response.Status.BAD_REQUEST).build();
        }
        try {
            table.insert(callback.get());
        }
        catch (RuntimeException e) {
            // Counted, then answered 500 by Dropwizard's exception mapper: Twilio would retry.
            insertFailures.mark();
            throw e;
        }
        // Only now: bench/run compares this count with the rows in the table.
        accepted.mark();
        return Response.ok().build();
    }
}
