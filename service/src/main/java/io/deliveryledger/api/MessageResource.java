package io.deliveryledger.api;

import io.deliveryledger.analytics.DeliveryStatistics;
import io.deliveryledger.analytics.DeliveryStatistics.MessageTimeline;
import io.deliveryledger.analytics.InvalidParameterException;
import io.deliveryledger.twilio.TwilioSid;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import static java.util.Objects.requireNonNull;

/**
 * {@code GET /api/v1/messages/{sid}}: a message's current state and event timeline. Its path names the
 * SID so that other resources can own {@code /api/v1/messages} itself.
 */
@Path("/api/v1/messages/{sid}")
@Produces(MediaType.APPLICATION_JSON)
public final class MessageResource
{
    private final DeliveryStatistics statistics;

    public MessageResource(DeliveryStatistics statistics)
    {
        this.statistics = requireNonNull(statistics, "statistics is null");
    }

    @GET
    public MessageTimeline message(@PathParam("sid") String messageSid)
    {
        if (!TwilioSid.MESSAGE.matches(messageSid)) {
            throw new InvalidParameterException("sid", "must be " + TwilioSid.MESSAGE.description());
        }
        return statistics.message(messageSid).orElseThrow(() -> new NotFoundException("No message " + messageSid + " is stored"));
    }
}
