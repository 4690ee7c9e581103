#!/usr/bin/env python3
"""Writes pre-signed Twilio message status callbacks for bench/callbacks.lua, one per line:

    <X-Twilio-Signature> TAB <I-Twilio-Idempotency-Token> TAB <form-encoded body>

Each callback has Twilio's documented parameters (SmsSid, SmsStatus, MessageStatus, To, MessageSid,
AccountSid, From, ApiVersion, and RawDlrDoneDate on "delivered") and its own MessageSid, so no request
is a duplicate of another and the service's duplicate detection never shortens the work. The signature
is Twilio's: base64(HMAC-SHA1(auth token, URL + each parameter's name and value, sorted by name)), for
the URL exactly as the load generator requests it.
"""

import argparse
import base64
import hashlib
import hmac
import secrets
import sys
import urllib.parse


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True, help="the URL as requested, e.g. http://127.0.0.1:18080/twilio/status")
    parser.add_argument("--auth-token", required=True)
    parser.add_argument("--account-sid", required=True, help="AC followed by 32 hex digits")
    parser.add_argument("--count", type=int, required=True, help="how many callbacks to write")
    parser.add_argument("--output", required=True, help="file to write")
    arguments = parser.parse_args()

    url = arguments.url
    account_sid = arguments.account_sid
    # A random prefix per file keeps MessageSids unique across the files of one run and across runs.
    prefix = secrets.token_hex(8)
    # The signed string is the URL, then each name+value sorted by name:
    #   AccountSid ApiVersion From MessageSid MessageStatus [RawDlrDoneDate] SmsSid SmsStatus To
    # Everything up to MessageSid is the same for every callback, so its HMAC state is computed once.
    signed_prefix = hmac.new(arguments.auth_token.encode("utf-8"), (url + "AccountSid" + account_sid + "ApiVersion2010-04-01From+15017122661MessageSid").encode("utf-8"), hashlib.sha1)
    encoded_account_sid = urllib.parse.quote(account_sid, safe="")
    body_bytes = 0
    with open(arguments.output, "w", encoding="ascii", newline="\n") as output:
        lines = []
        for index in range(arguments.count):
            message_sid = "SM" + prefix + format(index, "016x")
            delivered = index % 2 == 0
            status = "delivered" if delivered else "sent"
            signature_state = signed_prefix.copy()
            signature_state.update((message_sid + "MessageStatus" + status + ("RawDlrDoneDate2611271530" if delivered else "") + "SmsSid" + message_sid + "SmsStatus" + status + "To+15558675310").encode("ascii"))
            signature = base64.b64encode(signature_state.digest()).decode("ascii")
            # Twilio's order; the SIDs, statuses and dates need no escaping, the numbers' "+" does.
            body = ("SmsSid=" + message_sid + "&SmsStatus=" + status + "&MessageStatus=" + status + "&To=%2B15558675310&MessageSid=" + message_sid
                    + "&AccountSid=" + encoded_account_sid + "&From=%2B15017122661&ApiVersion=2010-04-01" + ("&RawDlrDoneDate=2611271530" if delivered else ""))
            body_bytes += len(body)
            idempotency_token = prefix + "-" + format(index, "012d")
            lines.append(signature + "\t" + idempotency_token + "\t" + body + "\n")
            if len(lines) == 10000:
                output.writelines(lines)
                lines.clear()
        output.writelines(lines)
    mean = body_bytes / arguments.count if arguments.count else 0
    print(f"sign_callbacks: {arguments.count} callbacks for {url} in {arguments.output} (mean body {mean:.0f} bytes)", file=sys.stderr)


if __name__ == "__main__":
    main()
