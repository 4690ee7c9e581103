package io.deliveryledger.simulator.traffic;

import java.util.List;
import java.util.Random;

import static java.util.Objects.requireNonNull;

/**
 * E.164 numbers that libphonenumber considers valid: its example numbers for each country with the last
 * two digits varied (fiction ranges such as +447700900xxx are "possible but not valid" and would
 * exercise a different path in the service than real traffic).
 */
public final class PhoneNumbers
{
    // libphonenumber's example mobile numbers (US: fixed line or mobile) without their last two digits.
    private static final List<String> RECIPIENT_PREFIXES = List.of(
            "+120155501",     // US
            "+4474001234",    // GB
            "+49151234567",   // DE
            "+336123456",     // FR
            "+55119612345",   // BR
            "+9181234567",    // IN
            "+346123456",     // ES
            "+5222212345");   // MX
    private static final String SENDER_PREFIX = "+120155501";

    private final Random random;

    public PhoneNumbers(Random random)
    {
        this.random = requireNonNull(random, "random is null");
    }

    public String recipient()
    {
        return RECIPIENT_PREFIXES.get(random.nextInt(RECIPIENT_PREFIXES.size())) + twoDigits(random.nextInt(100));
    }

    /** The {@code index}th US long code; distinct for indexes 0 to 99. */
    public static String longCode(int index)
    {
        if (index < 0 || index > 99) {
            throw new IllegalArgumentException("Long code index must be from 0 to 99, got: " + index);
        }
        return SENDER_PREFIX + twoDigits(index);
    }

    private static String twoDigits(int value)
    {
        return "%02d".formatted(value);
    }
}
