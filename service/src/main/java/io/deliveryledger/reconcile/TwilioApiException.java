package io.deliveryledger.reconcile;

/**
 * A Twilio API call that failed for good (after the HTTP client's retries). An authentication failure
 * stops a whole run: every further call for that account would fail the same way.
 */
public final class TwilioApiException
        extends RuntimeException
{
    private final boolean authentication;

    public TwilioApiException(String message, boolean authentication, Throwable cause)
    {
        super(message, cause);
        this.authentication = authentication;
    }

    public boolean isAuthentication()
    {
        return authentication;
    }
}
