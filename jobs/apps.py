from django.apps import AppConfig


class JobsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "jobs"
    verbose_name = "Travaux en arrière-plan"

    def ready(self):
        # django-tasks-db's own admin of the queue's rows is technical and in English: the staff
        # follow their jobs on the jobs' pages (/admin/travaux/), in French.
        from django.contrib import admin
        from django_tasks_db.models import DBTaskResult

        if admin.site.is_registered(DBTaskResult):
            admin.site.unregister(DBTaskResult)
