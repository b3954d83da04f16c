# A person becomes a stable identity (Person) that roles, post holdings and later records point
# at, with a sign-in account when they have one; roles move from accounts to people. API tokens
# gain an expiry and a revocation record. Nothing that records what happened is deleted.

from datetime import timedelta

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone
from django.utils.text import slugify


def people_for_role_holders(apps, schema_editor):
    Person = apps.get_model("core", "Person")
    RoleAssignment = apps.get_model("core", "RoleAssignment")
    for assignment in RoleAssignment.objects.select_related("account"):
        account = assignment.account
        person = Person.objects.filter(account=account).first()
        if person is None:
            key, n = slugify(account.username) or f"person-{account.pk}", 1
            while Person.objects.filter(key=key).exists():
                n += 1
                key = f"{slugify(account.username)}-{n}"
            name = f"{account.first_name} {account.last_name}".strip() or account.username
            person = Person.objects.create(key=key, name=name, account=account)
        assignment.person = person
        assignment.save(update_fields=["person"])


def token_expiry_and_revocation(apps, schema_editor):
    ApiToken = apps.get_model("core", "ApiToken")
    now = timezone.now()
    for token in ApiToken.objects.all():
        token.expires = token.created + timedelta(days=90)
        token.revoked_at = now if token.revoked else None
        token.save(update_fields=["expires", "revoked_at"])


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0004_organisation_table"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Person",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("key", models.SlugField(max_length=80, unique=True)),
                ("name", models.CharField(max_length=150)),
                (
                    "account",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="person",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={"ordering": ["name", "key"]},
        ),
        # Roles: from accounts to people.
        migrations.RemoveConstraint(
            model_name="roleassignment", name="one_assignment_per_person_role_scope"
        ),
        migrations.RenameField(model_name="roleassignment", old_name="person", new_name="account"),
        migrations.AddField(
            model_name="roleassignment",
            name="person",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="role_assignments",
                to="core.person",
            ),
        ),
        migrations.RunPython(people_for_role_holders, migrations.RunPython.noop),
        migrations.RemoveField(model_name="roleassignment", name="account"),
        migrations.AlterField(
            model_name="roleassignment",
            name="person",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="role_assignments",
                to="core.person",
            ),
        ),
        migrations.AddConstraint(
            model_name="roleassignment",
            constraint=models.UniqueConstraint(
                condition=models.Q(("ends__isnull", True)),
                fields=("person", "organisation", "role", "scope_type", "scope_id"),
                name="one_open_assignment_per_person_role_scope",
            ),
        ),
        # API tokens: an owner, an expiry, a record of revocation.
        migrations.AlterModelOptions(name="apitoken", options={"ordering": ["-created", "-id"]}),
        migrations.RenameField(model_name="apitoken", old_name="person", new_name="owner"),
        migrations.AlterField(
            model_name="apitoken",
            name="owner",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="api_tokens",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="apitoken", name="expires", field=models.DateTimeField(null=True)
        ),
        migrations.AddField(
            model_name="apitoken",
            name="revoked_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="revoked_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(token_expiry_and_revocation, migrations.RunPython.noop),
        migrations.RemoveField(model_name="apitoken", name="revoked"),
        migrations.AlterField(
            model_name="apitoken", name="expires", field=models.DateTimeField()
        ),
        # The audit trail keeps who acted even if an account is retired.
        migrations.AlterField(
            model_name="auditevent",
            name="actor",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
    ]
