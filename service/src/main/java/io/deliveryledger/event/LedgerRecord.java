package io.deliveryledger.event;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/** What the journal carries from intake to ClickHouse: an accepted event or a rejected request. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
        @JsonSubTypes.Type(value = StatusEvent.class, name = "status_event"),
        @JsonSubTypes.Type(value = RejectedRequest.class, name = "rejected_request"),
})
public sealed interface LedgerRecord
        permits StatusEvent, RejectedRequest
{
}
