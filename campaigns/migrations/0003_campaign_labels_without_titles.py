"""The moderation log is public, and campaigns' entries used to be labelled with the campaign's
title: a removed campaign's title stayed readable there. Relabel them as new entries are,
"campaign #<pk> by @<owner>"."""

from django.db import migrations


def relabel(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ModerationAction = apps.get_model("forum", "ModerationAction")
    Campaign = apps.get_model("campaigns", "Campaign")
    content_type = ContentType.objects.filter(app_label="campaigns", model="campaign").first()
    if content_type is None:  # a new database: nothing was logged yet
        return
    entries = ModerationAction.objects.filter(content_type=content_type)
    owners = dict(
        Campaign.objects.filter(pk__in=entries.values("object_id")).values_list(
            "pk", "created_by__username"
        )
    )
    for entry in entries.only("pk", "object_id"):
        owner = owners.get(entry.object_id)
        label = f"campaign #{entry.object_id}" + (f" by @{owner}" if owner else "")
        ModerationAction.objects.filter(pk=entry.pk).update(target_label=label)


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0002_campaign_discussion_removed_with_it"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("forum", "0004_moderation"),
    ]

    # Going back keeps the new labels: the old ones are what this migration exists to drop.
    operations = [migrations.RunPython(relabel, migrations.RunPython.noop)]
