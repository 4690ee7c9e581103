package io.deliveryledger.simulator.traffic;

import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** The form parameters of a status callback, named and valued as Twilio sends them. */
public final class StatusCallbacks
{
    public static final String API_VERSION = "2010-04-01";

    private static final DateTimeFormatter RAW_DLR_DONE_DATE = DateTimeFormatter.ofPattern("yyMMddHHmm").withZone(ZoneOffset.UTC);

    private StatusCallbacks() {}

    public static Map<String, String> parameters(PlannedMessage message, StatusStep step)
    {
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("ApiVersion", API_VERSION);
        parameters.put("AccountSid", message.account().sid());
        message.messagingServiceSid().ifPresent(service -> parameters.put("MessagingServiceSid", service));
        parameters.put("MessageSid", message.sid());
        parameters.put("SmsSid", message.sid());
        parameters.put("MessageStatus", step.status().wireName());
        parameters.put("SmsStatus", step.status().wireName());
        step.errorCode().ifPresent(code -> parameters.put("ErrorCode", String.valueOf(code)));
        parameters.put("From", message.from());
        parameters.put("To", message.to());
        boolean carrierReport = step.status() == MessageStatus.DELIVERED || step.status() == MessageStatus.UNDELIVERED;
        switch (message.channel()) {
            case SMS -> {
                if (carrierReport) {
                    parameters.put("RawDlrDoneDate", RAW_DLR_DONE_DATE.format(step.at()));
                }
            }
            case WHATSAPP -> {
                parameters.put("ChannelPrefix", "whatsapp");
                parameters.put("ChannelInstallSid", "XE" + message.account().sid().substring(2).toLowerCase(Locale.ROOT));
                parameters.put("ChannelToAddress", message.to().substring("whatsapp:".length()));
                if (step.status() == MessageStatus.READ) {
                    parameters.put("EventType", "READ");
                }
            }
        }
        return Collections.unmodifiableMap(parameters);
    }
}
