"""The four priority tags of the national programme; administrators add others in the admin."""

from django.db import migrations

PRIORITY_TAGS = [
    ("old_revolutionary_base", "革命老区", "Old revolutionary base area"),
    ("ethnic_minority", "民族地区", "Ethnic-minority area"),
    ("border", "边境地区", "Border area"),
    ("rural_revitalization_priority", "乡村振兴重点帮扶县", "Rural revitalization priority county"),
]


def create_tags(apps, schema_editor):
    RegionTag = apps.get_model("facilities", "RegionTag")
    for code, name, name_en in PRIORITY_TAGS:
        RegionTag.objects.get_or_create(code=code, defaults={"name": name, "name_en": name_en})


def remove_tags(apps, schema_editor):
    RegionTag = apps.get_model("facilities", "RegionTag")
    RegionTag.objects.filter(code__in=[code for code, _name, _en in PRIORITY_TAGS]).delete()


class Migration(migrations.Migration):
    dependencies = [("facilities", "0004_region_tags")]

    operations = [migrations.RunPython(create_tags, remove_tags)]
