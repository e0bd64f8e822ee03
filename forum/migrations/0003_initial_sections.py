from django.db import migrations

SECTIONS = [
    ("Party finances", "party-finances", "Where the money comes from and where it goes.", 1),
    ("Campaigns", "campaigns", "Organising from below: what we are fighting for and how.", 2),
    ("Unions", "unions", "Workplaces, disputes, and the link between unions and the party.", 3),
    ("Policy", "policy", "What we stand for, argued out.", 4),
    ("Branch life", "branch-life", "Meetings, motions and the business of local branches.", 5),
]


def create_sections(apps, schema_editor):
    Section = apps.get_model("forum", "Section")
    for name, slug, description, position in SECTIONS:
        Section.objects.get_or_create(
            slug=slug, defaults={"name": name, "description": description, "position": position}
        )


class Migration(migrations.Migration):
    dependencies = [("forum", "0002_comment_tree_id_sequence")]

    operations = [migrations.RunPython(create_sections, migrations.RunPython.noop)]
