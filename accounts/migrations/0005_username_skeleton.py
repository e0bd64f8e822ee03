from django.db import migrations, models

import accounts.models
import accounts.validators


def fill_skeletons(apps, schema_editor):
    """Give every existing member their username's skeleton. Where earlier look-alikes already
    share one (say `maya` and `ｍａｙａ`), the member who joined first keeps it and the others stay
    null: they keep their names, and the unique index still holds for everyone after them."""
    User = apps.get_model("accounts", "User")
    taken = set()
    for user in User.objects.order_by("pk").only("pk", "username").iterator():
        skeleton = accounts.validators.username_skeleton(user.username)
        if skeleton in taken:
            continue
        taken.add(skeleton)
        User.objects.filter(pk=user.pk).update(username_skeleton=skeleton)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_user_moderate_member_permission"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="username_skeleton",
            field=accounts.models.UsernameSkeletonField(editable=False, max_length=150, null=True),
        ),
        migrations.RunPython(fill_skeletons, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="user",
            name="username_skeleton",
            field=accounts.models.UsernameSkeletonField(
                editable=False, max_length=150, null=True, unique=True
            ),
        ),
        migrations.AlterField(
            model_name="user",
            name="username",
            field=models.CharField(
                error_messages={"unique": "A member with that username already exists."},
                help_text=accounts.validators.USERNAME_RULE,
                max_length=150,
                unique=True,
                validators=[accounts.validators.UsernameCharactersValidator()],
                verbose_name="username",
            ),
        ),
    ]
