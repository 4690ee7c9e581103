package io.deliveryledger.twilio;

/** Why a correctly signed webhook was refused; the column value of the rejected-requests table. */
public enum RejectReason
{
    MISSING_PARAMETER("missing_parameter"),
    INVALID_MESSAGE_SID("invalid_message_sid"),
    INVALID_ACCOUNT_SID("invalid_account_sid"),
    INVALID_MESSAGING_SERVICE_SID("invalid_messaging_service_sid"),
    UNKNOWN_STATUS("unknown_status"),
    INVALID_ERROR_CODE("invalid_error_code"),
    INVALID_ADDRESS("invalid_address");

    private final String columnValue;

    RejectReason(String columnValue)
    {
        this.columnValue = columnValue;
    }

    public String columnValue()
    {
        return columnValue;
    }
}
