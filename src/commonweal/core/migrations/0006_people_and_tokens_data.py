# Data for 0005: a person for each role holder; an expiry and revocation for each token.
# (Separate from the schema changes: PostgreSQL will not alter a table with pending writes.)
# A person becomes a stable identity (Person) that roles, post holdings and later records point
# at, with a sign-in account when they have one; roles move from accounts to people. API tokens
# gain an expiry and a revocation record. Nothing that records what happened is deleted.

from datetime import timedelta

from django.db import migrations
from django.utils import timezone
from django.utils.text import slugify


def people_for_role_holders(apps, schema_editor):
    Person = apps.get_model("core", "Person")
    RoleAssignment = apps.get_model("core", "RoleAssignment")
    for assignment in RoleAssignment.objects.select_related("person"):
        account = assignment.person  # still the sign-in account, until 0007
        person = Person.objects.filter(account=account).first()
        if person is None:
            key, n = slugify(account.username) or f"person-{account.pk}", 1
            while Person.objects.filter(key=key).exists():
                n += 1
                key = f"{slugify(account.username)}-{n}"
            name = f"{account.first_name} {account.last_name}".strip() or account.username
            person = Person.objects.create(key=key, name=name, account=account)
        assignment.person_identity = person
        assignment.save(update_fields=["person_identity"])


def token_expiry_and_revocation(apps, schema_editor):
    ApiToken = apps.get_model("core", "ApiToken")
    now = timezone.now()
    for token in ApiToken.objects.all():
        token.expires = token.created + timedelta(days=90)
        token.revoked_at = now if token.revoked else None
        token.save(update_fields=["expires", "revoked_at"])


class Migration(migrations.Migration):
    dependencies = [("core", "0005_people_and_tokens")]

    operations = [
        migrations.RunPython(people_for_role_holders, migrations.RunPython.noop),
        migrations.RunPython(token_expiry_and_revocation, migrations.RunPython.noop),
    ]
