from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    label = "accounts"

    def ready(self) -> None:
        from apps.accounts import stats
        from apps.core.system import register_stats

        register_stats("users", stats.users)
