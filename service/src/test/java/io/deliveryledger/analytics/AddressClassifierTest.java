package io.deliveryledger.analytics;

import com.google.i18n.phonenumbers.PhoneNumberUtil;
import io.deliveryledger.analytics.AddressClassifier.AddressClassification;
import io.deliveryledger.event.MessageStatus;
import io.deliveryledger.event.Source;
import io.deliveryledger.event.StatusEvent;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;

final class AddressClassifierTest
{
    private static final String SMS_SID = "SM" + "a".repeat(32);
    private static final String MMS_SID = "MM" + "b".repeat(32);

    private final AddressClassifier classifier = new AddressClassifier(PhoneNumberUtil.getInstance());

    @Test
    void outboundMessagesAreClassifiedByTheirRecipient()
    {
        assertThat(classify(SMS_SID, "outbound", "+15017122661", "+447400123456")).isEqualTo(new AddressClassification("GB", "mobile", "sms"));
        assertThat(classify(SMS_SID, "outbound", "+447400123456", "+4930123456")).isEqualTo(new AddressClassification("DE", "fixed_line", "sms"));
        assertThat(classify(SMS_SID, "outbound", "12345", "+33612345678")).isEqualTo(new AddressClassification("FR", "mobile", "sms"));
    }

    @Test
    void inboundMessagesAreClassifiedByTheirSender()
    {
        assertThat(classify(SMS_SID, "inbound", "+5511961234567", "+15017122661")).isEqualTo(new AddressClassification("BR", "mobile", "sms"));
    }

    @Test
    void channelComesFromTheAddressPrefixThenTheMessageSid()
    {
        assertThat(classify(SMS_SID, "outbound", "whatsapp:+15017122661", "whatsapp:+918123456789")).isEqualTo(new AddressClassification("IN", "mobile", "whatsapp"));
        assertThat(classify(SMS_SID, "outbound", "messenger:1234567890", "messenger:987654321")).isEqualTo(new AddressClassification("", "", "messenger"));
        assertThat(classify(SMS_SID, "outbound", "rcs:acme_agent", "+447400123456")).isEqualTo(new AddressClassification("GB", "mobile", "rcs"));
        assertThat(classify(MMS_SID, "outbound", "+15017122661", "+447400123456")).isEqualTo(new AddressClassification("GB", "mobile", "mms"));
        assertThat(classify(MMS_SID, "outbound", "whatsapp:+15017122661", "whatsapp:+447400123456").channel()).isEqualTo("whatsapp");
    }

    @Test
    void numbersWithoutARegionOfTheirOwnFallBackToTheirCountryCode()
    {
        // UK numbers reserved for drama: possible but not valid, so no number type.
        assertThat(classify(SMS_SID, "outbound", "+15017122661", "+447700900123")).isEqualTo(new AddressClassification("GB", "", "sms"));
        // A non-geographic number (international freephone) belongs to no country.
        assertThat(classify(SMS_SID, "outbound", "+15017122661", "+80012345678")).isEqualTo(new AddressClassification("", "toll_free", "sms"));
    }

    @Test
    void addressesThatAreNotNumbersHaveNoCountry()
    {
        assertThat(classify(SMS_SID, "inbound", "ACME", "+15017122661")).isEqualTo(new AddressClassification("", "", "sms"));
        assertThat(classify(SMS_SID, "inbound", "", "+15017122661")).isEqualTo(new AddressClassification("", "", "sms"));
        assertThat(classify(SMS_SID, "outbound", "+15017122661", "+999")).isEqualTo(new AddressClassification("", "", "sms"));
    }

    private AddressClassification classify(String messageSid, String direction, String from, String to)
    {
        StatusEvent event = new StatusEvent(
                "0".repeat(32),
                Source.CALLBACK,
                Instant.parse("2026-11-27T10:00:00Z"),
                Instant.parse("2026-11-27T10:00:00Z"),
                "AC" + "1".repeat(32),
                messageSid,
                Optional.empty(),
                MessageStatus.SENT,
                OptionalInt.empty(),
                from,
                to,
                direction,
                Optional.empty(),
                Optional.empty(),
                Map.of(),
                Map.of());
        return classifier.classify(event);
    }
}
