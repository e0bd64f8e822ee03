from django.apps import AppConfig


class ForumConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "forum"

    def build_demo(self, stdout) -> None:
        from .demo import build_demo

        build_demo(stdout)
