"""Every code the engine gives a check or a refusal: one vocabulary for pages, API and register."""

from enum import StrEnum


class Code(StrEnum):
    # Who decided, and whether they held the post that day.
    NO_DECIDER = "no-decider"  # a part names neither a person nor a body
    NOT_POST_HOLDER = "not-post-holder"
    # The organisation's scheme.
    SCHEME_NOT_IN_FORCE = "scheme-not-in-force"
    RESERVED_MATTER = "reserved-matter"
    NOT_AUTHORISED = "not-authorised"
    OVER_LIMIT = "over-limit"
    SECOND_SIGNATORY_MISSING = "second-signatory-missing"
    CUMULATIVE_OVER_LIMIT = "cumulative-over-limit"
    OVER_BUDGET = "over-budget"
    # The meeting.
    CONFLICTED = "conflicted"
    ATTENDEE_NOT_MEMBER = "attendee-not-member"
    INQUORATE = "inquorate"
    NO_MAJORITY = "no-majority"  # votes cast carried nothing (a tie without a casting vote)
    BLOCKS_DISAGREE = "blocks-disagree"  # a joint committee's blocks voted differently
    # The organisation's consent to its part of a decision taken with others.
    NOT_CONSENTED = "not-consented"
