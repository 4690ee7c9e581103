package io.deliveryledger.analytics;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.PhoneNumberUtil.PhoneNumberType;
import com.google.i18n.phonenumbers.Phonenumber.PhoneNumber;
import io.deliveryledger.event.StatusEvent;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static java.util.Objects.requireNonNull;

/**
 * Derives what an event's addresses say about the message: the customer's country and number type
 * (with libphonenumber) and the channel. The customer is the recipient of an outbound message and the
 * sender of an inbound one.
 *
 * <p>The channel is the address prefix Twilio uses ({@code whatsapp:+14155550100} is whatsapp,
 * {@code messenger:123} messenger, {@code rcs:...} rcs); an address without one is mms when the message
 * SID starts with MM (Twilio gives media messages MM SIDs) and sms otherwise.
 *
 * <p>libphonenumber's parse and number type were a quarter of the batch writer's CPU (bench/README.md,
 * "Where the time goes"), and numbers repeat: every event of a message has its customer's number, and
 * customers and senders come back. The facts of the most recent numbers are kept.
 */
public final class AddressClassifier
{
    public static final String UNKNOWN = "";

    private static final Pattern CHANNEL_ADDRESS = Pattern.compile("([A-Za-z]+):(.*)");
    // Libphonenumber's code for "no region" and for non-geographic numbers (e.g. +800); neither is a country.
    private static final String NO_REGION = "ZZ";
    private static final String NON_GEOGRAPHIC_REGION = "001";

    // About 200 bytes each: 50,000 numbers hold some 10 MB, minutes of a busy sender's messages.
    private static final int NUMBERS_KEPT = 50_000;

    private final PhoneNumberUtil phoneNumbers;
    private final Cache<String, NumberFacts> numberFacts = Caffeine.newBuilder()
            .maximumSize(NUMBERS_KEPT)
            // Evictions on the caller's thread: no work handed to the common pool per insert.
            .executor(Runnable::run)
            .build();

    public AddressClassifier(PhoneNumberUtil phoneNumbers)
    {
        this.phoneNumbers = requireNonNull(phoneNumbers, "phoneNumbers is null");
    }

    public AddressClassification classify(StatusEvent event)
    {
        boolean inbound = event.direction().equals("inbound");
        String customer = inbound ? event.from() : event.to();
        String own = inbound ? event.to() : event.from();
        Matcher customerChannel = CHANNEL_ADDRESS.matcher(customer);
        Matcher ownChannel = CHANNEL_ADDRESS.matcher(own);
        String channel;
        String number = customer;
        if (customerChannel.matches()) {
            channel = customerChannel.group(1).toLowerCase(Locale.ROOT);
            number = customerChannel.group(2);
        }
        else if (ownChannel.matches()) {
            channel = ownChannel.group(1).toLowerCase(Locale.ROOT);
        }
        else {
            channel = event.messageSid().startsWith("MM") ? "mms" : "sms";
        }
        return classifyNumber(number, channel);
    }

    private AddressClassification classifyNumber(String number, String channel)
    {
        // Only E.164 numbers say where they are; short codes, sender IDs and page ids do not.
        if (!number.startsWith("+")) {
            return new AddressClassification(UNKNOWN, UNKNOWN, channel);
        }
        NumberFacts facts = numberFacts.get(number, this::lookUp);
        return new AddressClassification(facts.country(), facts.numberType(), channel);
    }

    private NumberFacts lookUp(String number)
    {
        PhoneNumber parsed;
        try {
            parsed = phoneNumbers.parse(number, NO_REGION);
        }
        catch (NumberParseException e) {
            return new NumberFacts(UNKNOWN, UNKNOWN);
        }
        // Numbers from ranges kept for fiction or not yet assigned are "possible but not valid": they have
        // no region of their own, but their country calling code still names the country.
        String region = phoneNumbers.getRegionCodeForNumber(parsed);
        if (region == null) {
            region = phoneNumbers.getRegionCodeForCountryCode(parsed.getCountryCode());
        }
        String country = region.equals(NO_REGION) || region.equals(NON_GEOGRAPHIC_REGION) ? UNKNOWN : region;
        PhoneNumberType type = phoneNumbers.getNumberType(parsed);
        String numberType = type == PhoneNumberType.UNKNOWN ? UNKNOWN : type.name().toLowerCase(Locale.ROOT);
        return new NumberFacts(country, numberType);
    }

    private record NumberFacts(String country, String numberType) {}

    /**
     * @param country ISO 3166-1 alpha-2 code, or {@link #UNKNOWN}
     * @param numberType libphonenumber's {@link PhoneNumberType} in lower case, or {@link #UNKNOWN}
     * @param channel sms, mms, whatsapp, messenger, rcs, ...
     */
    public record AddressClassification(String country, String numberType, String channel)
    {
        public AddressClassification
        {
            requireNonNull(country, "country is null");
            requireNonNull(numberType, "numberType is null");
            requireNonNull(channel, "channel is null");
        }
    }
}
