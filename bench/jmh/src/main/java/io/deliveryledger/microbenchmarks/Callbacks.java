package io.deliveryledger.microbenchmarks;

import io.deliveryledger.event.StatusEvent;
import io.deliveryledger.twilio.ParsedWebhook;
import io.deliveryledger.twilio.WebhookParser;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/** A status callback as Twilio sends it for a delivered SMS (the parameters bench/sign_callbacks.py writes). */
final class Callbacks
{
    static final String ACCOUNT_SID = "AC0123456789abcdef0123456789abcdef";
    static final String MESSAGE_SID = "SM0123456789abcdef0123456789abcdef";
    static final Map<String, String> DELIVERED = Map.of(
            "SmsSid", MESSAGE_SID,
            "SmsStatus", "delivered",
            "MessageStatus", "delivered",
            "To", "+15558675310",
            "MessageSid", MESSAGE_SID,
            "AccountSid", ACCOUNT_SID,
            "From", "+15017122661",
            "ApiVersion", "2010-04-01",
            "RawDlrDoneDate", "2611271530");

    private Callbacks() {}

    /** The event the intake makes of {@link #DELIVERED}, with a tag and an idempotency token. */
    static StatusEvent deliveredEvent()
    {
        ParsedWebhook parsed = new WebhookParser().parseStatusCallback(DELIVERED, Map.of("campaign", "spring"), Instant.parse("2026-12-01T12:00:00.123456Z"), Optional.of("a1b2c3-000000000001"));
        return ((ParsedWebhook.Accepted) parsed).event();
    }
}
