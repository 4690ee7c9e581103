package io.deliveryledger.event;

import java.io.ByteArrayOutputStream;

/**
 * Rewrites JSON escapes of surrogate pairs (U+1F680 as backslash-u D83D backslash-u DE80) as the
 * four-byte UTF-8 sequence of their code point. Earlier versions wrote every character outside the
 * Basic Multilingual Plane that way, and Jackson's parser refuses such a pair inside an object key
 * ("Illegal surrogate character"): an emoji in a tag name made the record unreadable. The journal may still hold such
 * records after an upgrade; they are otherwise sound.
 */
final class EscapedSurrogates
{
    private static final int ESCAPE_LENGTH = 6;

    private EscapedSurrogates() {}

    /** The repaired JSON, or {@code json} itself when it holds no escaped surrogate pair. */
    static byte[] toUtf8(byte[] json)
    {
        ByteArrayOutputStream repaired = null;
        int copiedUpTo = 0;
        int index = 0;
        while (index < json.length) {
            if (json[index] != '\\') {
                index++;
                continue;
            }
            int high = escapedChar(json, index);
            int low = escapedChar(json, index + ESCAPE_LENGTH);
            if (!Character.isHighSurrogate((char) high) || high < 0 || !Character.isLowSurrogate((char) low) || low < 0) {
                // Any other escape is two bytes or more; skipping both keeps an escaped backslash before "u" literal.
                index += 2;
                continue;
            }
            if (repaired == null) {
                repaired = new ByteArrayOutputStream(json.length);
            }
            repaired.write(json, copiedUpTo, index - copiedUpTo);
            int codePoint = Character.toCodePoint((char) high, (char) low);
            repaired.write(0xF0 | (codePoint >> 18));
            repaired.write(0x80 | ((codePoint >> 12) & 0x3F));
            repaired.write(0x80 | ((codePoint >> 6) & 0x3F));
            repaired.write(0x80 | (codePoint & 0x3F));
            index += 2 * ESCAPE_LENGTH;
            copiedUpTo = index;
        }
        if (repaired == null) {
            return json;
        }
        repaired.write(json, copiedUpTo, json.length - copiedUpTo);
        return repaired.toByteArray();
    }

    /** The character of a backslash-u escape (six bytes) at {@code index}, or -1 when there is none. */
    private static int escapedChar(byte[] json, int index)
    {
        if (index + ESCAPE_LENGTH > json.length || json[index] != '\\' || json[index + 1] != 'u') {
            return -1;
        }
        int value = 0;
        for (int digit = index + 2; digit < index + ESCAPE_LENGTH; digit++) {
            int nibble = Character.digit(json[digit], 16);
            if (nibble < 0) {
                return -1;
            }
            value = (value << 4) | nibble;
        }
        return value;
    }
}
