package io.deliveryledger.simulator.api;

import io.deliveryledger.simulator.traffic.MessageStatus;
import io.deliveryledger.simulator.traffic.PlannedMessage;
import io.deliveryledger.simulator.traffic.StatusCallbacks;
import io.deliveryledger.simulator.traffic.StatusStep;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The Message resource as Twilio's API returns it (properties of twilio-oai's
 * {@code api.v2010.account.message}), for a message as it stands at a given time.
 */
public final class MessageJson
{
    private static final DateTimeFormatter RFC_2822 = DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss Z", Locale.US).withZone(ZoneOffset.UTC);

    private MessageJson() {}

    public static String messagesUri(String accountSid)
    {
        return "/%s/Accounts/%s/Messages.json".formatted(StatusCallbacks.API_VERSION, accountSid);
    }

    public static String messageUri(String accountSid, String messageSid)
    {
        return "/%s/Accounts/%s/Messages/%s.json".formatted(StatusCallbacks.API_VERSION, accountSid, messageSid);
    }

    public static String rfc2822(Instant instant)
    {
        return RFC_2822.format(instant);
    }

    public static Map<String, Object> at(PlannedMessage message, Instant now)
    {
        StatusStep step = message.stepAt(now);
        String uriBase = "/%s/Accounts/%s/Messages/%s".formatted(StatusCallbacks.API_VERSION, message.account().sid(), message.sid());
        // A Messaging Service picks the sender when it queues the message.
        boolean senderChosen = step.status() != MessageStatus.ACCEPTED && step.status() != MessageStatus.SCHEDULED && step.status() != MessageStatus.CANCELED;
        boolean sent = message.sentAt(now).isPresent();
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("account_sid", message.account().sid());
        json.put("api_version", StatusCallbacks.API_VERSION);
        json.put("body", message.body());
        json.put("date_created", rfc2822(message.createdAt()));
        json.put("date_sent", message.sentAt(now).map(MessageJson::rfc2822).orElse(null));
        json.put("date_updated", rfc2822(step.at()));
        json.put("direction", "outbound-api");
        json.put("error_code", step.errorCode().orElse(null));
        json.put("error_message", null);
        json.put("from", senderChosen || message.messagingServiceSid().isEmpty() ? message.from() : null);
        json.put("messaging_service_sid", message.messagingServiceSid().orElse(null));
        json.put("num_media", "0");
        json.put("num_segments", "1");
        json.put("price", sent ? "-0.00790" : null);
        json.put("price_unit", "USD");
        json.put("sid", message.sid());
        json.put("status", step.status().wireName());
        json.put("subresource_uris", Map.of("media", uriBase + "/Media.json", "feedback", uriBase + "/Feedback.json"));
        json.put("to", message.to());
        json.put("uri", uriBase + ".json");
        return json;
    }
}
