package io.deliveryledger.twilio;

import io.deliveryledger.event.EventIds;
import io.deliveryledger.event.MessageStatus;
import io.deliveryledger.event.Source;
import io.deliveryledger.event.StatusEvent;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static java.util.Objects.requireNonNull;

/**
 * Turns the parameters of a signed status callback or inbound-message webhook into a
 * {@link StatusEvent}, checking each field Twilio documents. Parameters it does not know are kept, not
 * refused: Twilio adds new ones without notice.
 */
public final class WebhookParser
{
    private static final Pattern ERROR_CODE = Pattern.compile("[0-9]{1,6}");
    private static final Pattern CHANNEL_ADDRESS = Pattern.compile("([a-z]+):(.+)");
    private static final Pattern E164 = Pattern.compile("\\+[1-9][0-9]{1,14}");
    private static final Pattern SHORT_CODE = Pattern.compile("[0-9]{3,8}");
    private static final Pattern ALPHANUMERIC_SENDER = Pattern.compile("(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}");
    private static final Pattern CHANNEL_ID = Pattern.compile("[A-Za-z0-9_.@:+-]{1,256}");

    public ParsedWebhook parseStatusCallback(Map<String, String> parameters, Map<String, String> tags, Instant receivedAt, Optional<String> idempotencyToken)
    {
        Optional<String> statusValue = first(parameters, "MessageStatus", "SmsStatus");
        if (statusValue.isEmpty()) {
            return new ParsedWebhook.Rejected(RejectReason.MISSING_PARAMETER, "Parameter 'MessageStatus' is required");
        }
        Optional<MessageStatus> status = MessageStatus.fromWireName(statusValue.get());
        if (status.isEmpty()) {
            return new ParsedWebhook.Rejected(RejectReason.UNKNOWN_STATUS, "Parameter 'MessageStatus' has unknown value '" + abbreviate(statusValue.get()) + "'; known: " + knownStatuses());
        }
        return parse(Source.CALLBACK, status.get(), "outbound", parameters, tags, receivedAt, idempotencyToken);
    }

    public ParsedWebhook parseInboundMessage(Map<String, String> parameters, Map<String, String> tags, Instant receivedAt, Optional<String> idempotencyToken)
    {
        return parse(Source.INBOUND, MessageStatus.RECEIVED, "inbound", parameters, tags, receivedAt, idempotencyToken);
    }

    private ParsedWebhook parse(Source source, MessageStatus status, String direction, Map<String, String> parameters, Map<String, String> tags, Instant receivedAt, Optional<String> idempotencyToken)
    {
        Optional<String> messageSid = first(parameters, "MessageSid", "SmsMessageSid", "SmsSid");
        if (messageSid.isEmpty()) {
            return new ParsedWebhook.Rejected(RejectReason.MISSING_PARAMETER, "Parameter 'MessageSid' is required");
        }
        if (!TwilioSid.MESSAGE.matches(messageSid.get())) {
            return new ParsedWebhook.Rejected(RejectReason.INVALID_MESSAGE_SID, "Parameter 'MessageSid' must be " + TwilioSid.MESSAGE.description() + ", got '" + abbreviate(messageSid.get()) + "'");
        }
        Optional<String> accountSid = first(parameters, "AccountSid");
        if (accountSid.isEmpty()) {
            return new ParsedWebhook.Rejected(RejectReason.MISSING_PARAMETER, "Parameter 'AccountSid' is required");
        }
        if (!TwilioSid.ACCOUNT.matches(accountSid.get())) {
            return new ParsedWebhook.Rejected(RejectReason.INVALID_ACCOUNT_SID, "Parameter 'AccountSid' must be " + TwilioSid.ACCOUNT.description() + ", got '" + abbreviate(accountSid.get()) + "'");
        }
        Optional<String> messagingServiceSid = first(parameters, "MessagingServiceSid");
        if (messagingServiceSid.isPresent() && !TwilioSid.MESSAGING_SERVICE.matches(messagingServiceSid.get())) {
            return new ParsedWebhook.Rejected(RejectReason.INVALID_MESSAGING_SERVICE_SID, "Parameter 'MessagingServiceSid' must be " + TwilioSid.MESSAGING_SERVICE.description() + ", got '" + abbreviate(messagingServiceSid.get()) + "'");
        }
        Optional<String> errorCodeValue = first(parameters, "ErrorCode");
        if (errorCodeValue.isPresent() && !ERROR_CODE.matcher(errorCodeValue.get()).matches()) {
            return new ParsedWebhook.Rejected(RejectReason.INVALID_ERROR_CODE, "Parameter 'ErrorCode' must be a number of up to 6 digits, got '" + abbreviate(errorCodeValue.get()) + "'");
        }
        for (String name : new String[] {"From", "To"}) {
            Optional<String> address = first(parameters, name);
            if (address.isPresent() && !isAddress(address.get())) {
                return new ParsedWebhook.Rejected(RejectReason.INVALID_ADDRESS, "Parameter '" + name + "' must be an E.164 number (+14155550100), a short code, an alphanumeric sender ID or a channel address (whatsapp:+14155550100), got '" + abbreviate(address.get()) + "'");
            }
        }
        OptionalInt errorCode = errorCodeValue.map(value -> OptionalInt.of(Integer.parseInt(value))).orElse(OptionalInt.empty());
        StatusEvent event = new StatusEvent(
                EventIds.of(source, parameters, tags),
                source,
                receivedAt,
                receivedAt,
                accountSid.get(),
                messageSid.get(),
                messagingServiceSid,
                status,
                errorCode,
                first(parameters, "From").orElse(""),
                first(parameters, "To").orElse(""),
                direction,
                first(parameters, "ApiVersion"),
                idempotencyToken,
                tags,
                parameters);
        return new ParsedWebhook.Accepted(event);
    }

    private static boolean isAddress(String value)
    {
        Matcher channel = CHANNEL_ADDRESS.matcher(value);
        if (channel.matches()) {
            String address = channel.group(2);
            return switch (channel.group(1)) {
                case "whatsapp", "sms", "mms" -> E164.matcher(address).matches();
                default -> CHANNEL_ID.matcher(address).matches();
            };
        }
        return E164.matcher(value).matches() || SHORT_CODE.matcher(value).matches() || ALPHANUMERIC_SENDER.matcher(value).matches();
    }

    private static Optional<String> first(Map<String, String> parameters, String... names)
    {
        requireNonNull(parameters, "parameters is null");
        for (String name : names) {
            String value = parameters.get(name);
            if (value != null && !value.isEmpty()) {
                return Optional.of(value);
            }
        }
        return Optional.empty();
    }

    private static String knownStatuses()
    {
        StringBuilder known = new StringBuilder();
        for (MessageStatus status : MessageStatus.values()) {
            known.append(known.isEmpty() ? "" : ", ").append(status.wireName());
        }
        return known.toString();
    }

    /**
     * Keeps error messages short when a caller sends something huge. Cuts between code points: half
     * a surrogate pair is not text, and no encoder can write it.
     */
    private static String abbreviate(String value)
    {
        return value.codePointCount(0, value.length()) <= 64 ? value : value.substring(0, value.offsetByCodePoints(0, 64)) + "...";
    }
}
