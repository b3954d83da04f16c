"""What the public register has published, chained so that a change afterwards shows.

Each published record (a decision, an event that followed it, approved minutes, an entry of a
register of interests or of gifts and hospitality) is an `Entry`: the canonical JSON of its public
form, and a SHA-256 over that and the hash of the entry before it. A record published again
because it legitimately changed (an interest that ended) is a new entry with the next version.
Each publication appends the chain's head, and the hashes of the entries it added, to the
anchor log: an `Anchor` row here and a line in a file kept outside the database
(`COMMONWEAL_ANCHORS`), so rewriting the chain and the anchor table still leaves the outside copy
disagreeing.

`RegisterDecision` is the decisions register as published: one row per decision with its
published JSON and the columns the public filters and searches use (the search index is kept by
the database: FTS5 on SQLite, a tsvector column on PostgreSQL; see the migration).
"""

from django.db import models

from commonweal.core.models import Immutable
from commonweal.decisions.models import Decision
from commonweal.governance.models import Body
from commonweal.registry.models import System


class Entry(Immutable):
    class Kind(models.TextChoices):
        DECISION = "decision", "Decision"
        DECISION_EVENT = "decision_event", "What happened to a decision"
        MINUTES = "minutes", "Approved minutes"
        INTEREST = "interest", "Register of interests entry"
        OFFER = "offer", "Gifts and hospitality entry"

    seq = models.PositiveBigIntegerField(unique=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    key = models.CharField(max_length=40)  # the record's public reference: D00012, M4, I7, G3
    version = models.PositiveIntegerField()
    payload = models.TextField()  # canonical JSON of the record's public form
    prev = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    published = models.DateTimeField()

    class Meta:
        ordering = ["seq"]
        indexes = [models.Index(fields=["kind", "key", "-version"])]
        constraints = [
            models.UniqueConstraint(fields=["kind", "key", "version"], name="one_entry_version")
        ]

    def __str__(self) -> str:
        return f"{self.seq}: {self.kind} {self.key} v{self.version}"


class Anchor(Immutable):
    """The chain's head after a publication, with the entries that publication added."""

    seq = models.PositiveBigIntegerField(unique=True)  # the head entry's seq
    head = models.CharField(max_length=64)
    at = models.DateTimeField()
    # [[seq, kind, key, version, hash], ...] for the entries added by this publication.
    entries = models.JSONField(default=list)

    class Meta:
        ordering = ["seq"]


class RegisterDecision(models.Model):
    """A decision as the public register shows it: replaced when it is published again."""

    decision = models.OneToOneField(Decision, on_delete=models.PROTECT, related_name="+")
    system = models.ForeignKey(System, on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(max_length=12, unique=True)
    title = models.CharField(max_length=200)
    on = models.DateField()
    basis = models.CharField(max_length=8)
    outcome = models.CharField(max_length=14)
    decision_type = models.CharField(max_length=40)
    key_decision = models.BooleanField(null=True)
    body = models.ForeignKey(Body, null=True, on_delete=models.PROTECT, related_name="+")
    # Space-separated and space-wrapped codes, so " 15N " finds one exactly.
    organisations = models.CharField(max_length=500)
    places = models.CharField(max_length=500)
    amount = models.BigIntegerField()  # pence, every part's total; 0 when withheld
    exempt = models.BooleanField()
    text = models.TextField()  # the public words the search reads
    payload = models.TextField()

    class Meta:
        ordering = ["-on", "-id"]
        indexes = [
            models.Index(fields=["system", "-on", "-id"]),
            models.Index(fields=["-on", "-id"]),
            models.Index(fields=["body", "-on"]),
            models.Index(fields=["amount"]),
        ]
