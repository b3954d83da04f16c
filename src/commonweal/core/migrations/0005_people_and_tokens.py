# A person becomes a stable identity (Person) that roles, post holdings and later records point
# at, with a sign-in account when they have one; roles move from accounts to people. API tokens
# gain an expiry and a revocation record. Nothing that records what happened is deleted.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


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
        # A new column beside the old one (renaming the old would leave its index's name to
        # clash with the new one's on PostgreSQL); 0007 removes the old and renames the new.
        migrations.AddField(
            model_name="roleassignment",
            name="person_identity",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="core.person",
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
    ]
