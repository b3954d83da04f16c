import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0006_people_and_tokens_data"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveField(model_name="roleassignment", name="person"),
        migrations.RenameField(
            model_name="roleassignment", old_name="person_identity", new_name="person"
        ),
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
