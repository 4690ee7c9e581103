package io.deliveryledger.intake;

/** The request can't even be read as a webhook (encoding, size); answered 400 before any signature check. */
public final class MalformedWebhookException
        extends Exception
{
    public MalformedWebhookException(String message)
    {
        super(message);
    }
}
